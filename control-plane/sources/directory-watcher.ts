/**
 * The directory source, live: the manifests are read again whenever a file
 * in the directory changes (debounced, so an editor's write-rename-chmod is
 * one reload), and on a slow timer as a safety net for missed events.
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../../core/log.js';
import type { LoadResult } from '../../model/types.js';
import { loadConfigDir } from './file-source.js';

export interface DirectoryWatcherOptions {
  debounceMs?: number;
  resyncMs?: number;
  log: Logger;
}

export class DirectoryWatcher extends EventEmitter<{ change: [LoadResult] }> {
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #loading: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(readonly dir: string, private readonly options: DirectoryWatcherOptions) {
    super();
  }

  /** The first load; a directory that cannot be read is an error here, later only a log line. */
  async start(): Promise<LoadResult> {
    const first = await loadConfigDir(this.dir);
    this.#watcher = watch(this.dir, () => this.#schedule());
    this.#watcher.on('error', (error) => this.options.log.error({ err: error, dir: this.dir }, 'watching the config directory failed'));
    this.#resync = setInterval(() => this.#schedule(), this.options.resyncMs ?? 30_000);
    this.#resync.unref();
    return first;
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      // One load at a time, in order: the last event always wins.
      this.#loading = this.#loading.then(() => this.#reload());
    }, this.options.debounceMs ?? 100);
  }

  async #reload(): Promise<void> {
    if (this.#closed) return;
    try {
      this.emit('change', await loadConfigDir(this.dir));
    } catch (error) {
      this.options.log.error({ err: error, dir: this.dir }, 'reading the config directory failed; the last good config stays in force');
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearInterval(this.#resync);
    this.#watcher?.close();
  }
}
