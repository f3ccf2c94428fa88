/**
 * The node's copy of its last applied control-plane config, one file per
 * node under the agent's --state-dir (a hostPath in Kubernetes, so it
 * survives the pod, the agent's restarts and the node's reboots).
 *
 * Written after each applied config: to a temporary file in the same
 * directory, mode 0600, flushed, then renamed over the old one, so a reader
 * (the next agent, after a crash or a power cut) sees the old file or the
 * new one, never half of either. Writes are coalesced: while one runs, only
 * the newest config waits for the next.
 *
 * Read once, at start. Every way the file can be wrong (unreadable, not
 * ours to trust, torn, another node's, a format or resource this agent
 * cannot take) comes back as a ConfigCacheError naming the file and the
 * problem, and the agent starts as if there were no cache.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigCacheError } from './config-cache-errors.js';
import { decodeCacheRecord, encodeCacheRecord, type CachedConfig } from './cache-record.js';

export type CacheRead = { cached: CachedConfig; error?: undefined } | { cached?: undefined; error?: ConfigCacheError };

export class ConfigCache {
  readonly file: string;
  #pending: CachedConfig | undefined;
  #writing = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly node: string,
    private readonly report: { written(record: CachedConfig): void; failed(error: ConfigCacheError): void },
  ) {
    this.file = join(dir, `config-${node}.json`);
  }

  /** The cache, or why there is none to use; `{}` when the node never had one. */
  read(): CacheRead {
    let text: string;
    try {
      const stat = statSync(this.file);
      // Whoever can write this file could hand the node a config: only the agent's user may.
      if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
        return { error: new ConfigCacheError(this.file, `it is owned by uid ${stat.uid}, not the agent's uid ${process.getuid()}`) };
      }
      if (stat.mode & 0o022) return { error: new ConfigCacheError(this.file, `its mode ${(stat.mode & 0o777).toString(8)} lets others write it (the agent writes 600)`) };
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      return { error: new ConfigCacheError(this.file, `cannot read it: ${(error as Error).message}`, { cause: error }) };
    }
    try {
      return { cached: decodeCacheRecord(text, this.node) };
    } catch (error) {
      // No cause: the decoder's message is the whole problem, and pino would print it twice.
      return { error: new ConfigCacheError(this.file, (error as Error).message) };
    }
  }

  /** Replaces the cache with `record` soon; a failure is reported, never thrown (the agent runs on without a cache). */
  write(record: CachedConfig): void {
    this.#pending = record;
    if (this.#writing) return;
    this.#writing = true;
    this.#idle = new Promise<void>((resolve) => setImmediate(() => this.#drain(resolve)));
  }

  /** Resolves once every write asked for so far is done (tests, a clean stop). */
  flushed(): Promise<void> {
    return this.#idle;
  }

  #drain(done: () => void): void {
    while (this.#pending) {
      const record = this.#pending;
      this.#pending = undefined;
      try {
        this.#writeNow(encodeCacheRecord(record));
      } catch (error) {
        this.report.failed(new ConfigCacheError(this.file, `cannot write it: ${(error as Error).message}`, { cause: error }));
        continue;
      }
      this.report.written(record);
    }
    this.#writing = false;
    done();
  }

  #writeNow(text: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    // A leftover of a crashed write keeps its mode through open(): start from none.
    try {
      unlinkSync(temporary);
    } catch {}
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      unlinkSync(temporary);
      throw error;
    }
    closeSync(fd);
    try {
      renameSync(temporary, this.file);
    } catch (error) {
      unlinkSync(temporary);
      throw error;
    }
    // The rename itself must reach the disk before a power cut for the new file to be there.
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
