/** Standalone mode: the agent reads a manifest directory itself, live. */
import { EventEmitter } from 'node:events';
import { ConfigPipeline } from '../control-plane/builder/config-pipeline.js';
import { DirectoryWatcher } from '../control-plane/sources/directory-watcher.js';
import type { Logger } from '../core/log.js';
import type { ConfigFeed, ConfigUpdate } from '../agent/config-feed/config-feed.js';

export class DirectoryFeed extends EventEmitter<{ update: [ConfigUpdate] }> implements ConfigFeed {
  readonly #watcher: DirectoryWatcher;
  readonly #pipeline: ConfigPipeline;
  #latest: ConfigUpdate | undefined;

  constructor(private readonly dir: string, log: Logger) {
    super();
    this.#watcher = new DirectoryWatcher(dir, { log });
    this.#pipeline = new ConfigPipeline(log);
  }

  async start(): Promise<ConfigUpdate> {
    const first = this.#pipeline.accept(await this.#watcher.start());
    this.#watcher.on('change', (result) => {
      const published = this.#pipeline.accept(result);
      if (!published.changed) return;
      this.#latest = { config: published.config, version: String(published.version) };
      this.emit('update', this.#latest);
    });
    this.#latest = { config: first.config, version: String(first.version) };
    return this.#latest;
  }

  latest(): ConfigUpdate {
    if (!this.#latest) throw new Error('no config yet: start() has not resolved');
    return this.#latest;
  }

  describe() {
    return { kind: 'directory' as const, dir: this.dir };
  }

  close(): void {
    this.#watcher.close();
  }
}
