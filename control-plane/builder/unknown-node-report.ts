/**
 * A Workload on a node no agent has connected from is valid, but nobody
 * serves it: say so, once per change, after a grace period in which agents
 * are still expected to connect.
 */
import type { Logger } from '../../core/log.js';
import { formatIssue } from '../../model/issues.js';
import type { MeshConfig } from '../../model/types.js';
import { unknownNodes } from './unknown-nodes.js';

export class UnknownNodeReport {
  readonly #seen = new Set<string>();
  readonly #startedAt: number;
  #reported = '';

  constructor(
    private readonly log: Logger,
    private readonly graceMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {
    this.#startedAt = now();
  }

  /** Returns the messages logged now (empty when nothing changed). */
  check(config: MeshConfig, connectedNodes: Iterable<string>): string[] {
    for (const node of connectedNodes) this.#seen.add(node);
    if (this.now() - this.#startedAt < this.graceMs) return [];
    const issues = unknownNodes(config, this.#seen);
    const key = issues.map((issue) => issue.message).join('\n');
    if (key === this.#reported) return [];
    this.#reported = key;
    const messages = issues.map(formatIssue);
    for (const [i, issue] of issues.entries()) this.log.warn({ issue }, `config: ${messages[i]}`);
    return messages;
  }
}
