/**
 * The control-plane feed with the node's cached config in front of it. With
 * a usable cache, start() resolves at once with the cached config, marked
 * stale (`weft_config_stale` 1, `weft status`), so a restarted or rebooted
 * node enrols its meshed pods without waiting for the control plane; the
 * control plane's first config then replaces it as an ordinary update and
 * clears the mark. Without one, start() waits for the control plane as
 * before, and `whileWaiting` lets the node say meanwhile that it has no
 * config (agent/admin/waiting-endpoints.ts).
 *
 * Only configs from the control plane are passed on as such: the cached one
 * carries `cachedAt`, which is how the cache writer knows not to write it back.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../core/log.js';
import type { AgentStatus, StaleConfigStatus } from '../admin/admin-server.js';
import type { CachedConfig } from '../config-cache/cache-record.js';
import type { ConfigFeed, ConfigUpdate } from './config-feed.js';

export interface CachedStartOptions {
  /** The usable cache, if any, and its file. */
  cached: CachedConfig | undefined;
  file: string;
  log: Logger;
  /** weft_config_stale */
  stale: { set(value: number): void };
  /** Runs while start() waits without a cache; what it returns is awaited before start() resolves. */
  whileWaiting?: () => () => Promise<void>;
}

export class CachedStartFeed extends EventEmitter<{ update: [ConfigUpdate] }> implements ConfigFeed {
  #latest: ConfigUpdate | undefined;
  #stale: StaleConfigStatus | undefined;

  constructor(
    private readonly inner: ConfigFeed,
    private readonly options: CachedStartOptions,
  ) {
    super();
    options.stale.set(0);
  }

  /** The cached config in force, until the control plane answers. */
  get stale(): StaleConfigStatus | undefined {
    return this.#stale;
  }

  start(): Promise<ConfigUpdate> {
    const { cached, log } = this.options;
    this.inner.on('update', (update) => this.#live(update));
    const live = this.inner.start();
    if (!cached) {
      const stopWaiting = this.options.whileWaiting?.();
      return live.then(async (update) => {
        await stopWaiting?.();
        this.#latest = update;
        return update;
      });
    }
    live.then((update) => this.#live(update));
    this.#stale = {
      file: this.options.file,
      version: cached.version,
      receivedAt: cached.receivedAt,
      reason: 'the control plane has not answered since this agent started',
    };
    this.options.stale.set(1);
    this.#latest = { config: cached.config, version: cached.version, cachedAt: cached.receivedAt };
    log.warn(
      { file: this.options.file, version: cached.version, receivedAt: cached.receivedAt, controlPlane: cached.controlPlane },
      'starting on the cached config until the control plane answers; connections to other nodes are refused until certificates come',
    );
    return Promise.resolve(this.#latest);
  }

  latest(): ConfigUpdate {
    if (!this.#latest) throw new Error('no config yet: start() has not resolved');
    return this.#latest;
  }

  describe(): AgentStatus['configSource'] {
    const source = this.inner.describe();
    return this.#stale && source.kind === 'control-plane' ? { ...source, stale: this.#stale } : source;
  }

  close(): void {
    this.inner.close();
  }

  /** A config from the control plane: the cached one, if still in force, is stale no more. */
  #live(update: ConfigUpdate): void {
    if (this.#stale) {
      this.options.log.info({ version: update.version, cachedVersion: this.#stale.version }, 'the control plane answered: its config replaces the cached one');
      this.#stale = undefined;
      this.options.stale.set(0);
    }
    this.#latest = update;
    this.emit('update', update);
  }
}
