/**
 * From a source's latest read to the config that is served: the last good
 * version of each rejected object stays in force, every problem is logged
 * (once per distinct set, not on every resync), and the version moves only
 * when what is served changes.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../core/log.js';
import { countErrors, formatIssue } from '../../model/issues.js';
import { LastGoodConfig } from './last-good-config.js';
import type { LoadResult, MeshConfig } from '../../model/types.js';

export interface PublishedConfig {
  config: MeshConfig;
  /** grows each time the served config changes, across restarts too: max(previous + 1, now in ms) */
  version: number;
  changed: boolean;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

export class ConfigPipeline {
  readonly #lastGood = new LastGoodConfig();
  #version = 0;
  #configDigest = '';
  #issuesDigest = '';

  constructor(private readonly log: Logger) {}

  accept(result: LoadResult): PublishedConfig {
    const { config, kept, dropped } = this.#lastGood.update(result);
    const issuesDigest = digest([result.issues, kept, dropped]);
    if (issuesDigest !== this.#issuesDigest) {
      this.#issuesDigest = issuesDigest;
      for (const issue of result.issues) {
        this.log[issue.severity === 'error' ? 'error' : 'warn']({ issue }, `config: ${formatIssue(issue)}`);
      }
      for (const { resource, reason } of kept) {
        this.log.warn({ resource, reason }, `config: ${resource.kind} ${resource.namespace}/${resource.name} rejected; its last good version stays in force`);
      }
      for (const { resource, reason } of dropped) {
        this.log.warn({ resource, reason }, `config: the last good version of ${resource.kind} ${resource.namespace}/${resource.name} no longer fits and was dropped`);
      }
    }
    const configDigest = digest(config);
    const changed = configDigest !== this.#configDigest;
    if (changed) {
      this.#configDigest = configDigest;
      this.#version = Math.max(this.#version + 1, Date.now());
      this.log.info(
        {
          version: this.#version,
          services: config.services.length,
          workloads: config.workloads.length,
          errors: countErrors(result.issues),
          kept: kept.length,
        },
        'config published',
      );
    }
    return { config, version: this.#version, changed };
  }
}
