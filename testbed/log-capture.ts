/**
 * A spawned process's stdout and stderr, line by line: appended to a file in
 * the run dir (for a human after the fact) and kept in memory (for tests that
 * wait for a JSON log line such as the agent's `{"msg":"agent ready"}`).
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';

export type LogRecord = Record<string, any>;
export type LogPredicate = (record: LogRecord) => boolean;

/** Memory bound: the oldest lines go first; the file keeps everything. */
const maxLines = 200_000;

export function parseLogLine(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as LogRecord) : undefined;
  } catch {
    return undefined;
  }
}

export class LogCapture {
  readonly lines: string[] = [];
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #file: WriteStream;
  readonly #events = new EventEmitter();
  readonly #partial = { stdout: '', stderr: '' };

  constructor(readonly path: string, readonly label: string) {
    this.#file = createWriteStream(path, { flags: 'a' });
    this.#file.on('error', () => {}); // the run dir may be removed under us on teardown
    this.#events.setMaxListeners(0);
  }

  attach(child: ChildProcess): void {
    child.stdout?.on('data', (chunk: Buffer) => this.#feed('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.#feed('stderr', chunk));
    child.once('error', (error) => this.#line(`[testbed] ${this.label} failed to start: ${error.message}`));
    child.once('close', (code, signal) => {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (this.#partial[stream]) this.#line(this.#partial[stream]);
        this.#partial[stream] = '';
      }
      this.exit = { code, signal };
      this.#events.emit('exit');
    });
  }

  records(): LogRecord[] {
    return this.lines.map(parseLogLine).filter((r): r is LogRecord => r !== undefined);
  }

  tail(count = 20): string {
    return this.lines.slice(-count).join('\n');
  }

  /** Resolves with the first record, past or future, that matches; rejects on
   * timeout or when the process ends first, with the last lines it printed. */
  waitFor(predicate: LogPredicate, timeoutMs: number): Promise<LogRecord> {
    const seen = this.records().find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onLine = (line: string): void => {
        const record = parseLogLine(line);
        if (record && predicate(record)) done(() => resolve(record));
      };
      const onExit = (): void =>
        done(() => reject(new Error(`${this.label} exited (${describeExit(this.exit)}) before the awaited log line; last lines:\n${this.tail()}`)));
      const timer = setTimeout(
        () => done(() => reject(new Error(`${this.label}: no matching log line within ${timeoutMs} ms; last lines:\n${this.tail()}`))),
        timeoutMs,
      );
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.#events.off('line', onLine);
        this.#events.off('exit', onExit);
        settle();
      };
      this.#events.on('line', onLine);
      this.#events.on('exit', onExit);
      if (this.exit) onExit();
    });
  }

  /** Flushes the file; bounded, since teardown must not hang on a log. */
  close(timeoutMs = 1000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#file.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #feed(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const parts = (this.#partial[stream] + chunk.toString('utf8')).split('\n');
    this.#partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.#line(line);
  }

  #line(line: string): void {
    this.lines.push(line);
    if (this.lines.length > maxLines) this.lines.splice(0, this.lines.length - maxLines);
    this.#file.write(`${line}\n`);
    this.#events.emit('line', line);
  }
}

/** For a log file this process did not capture: its JSON lines as they are now. */
export function readLogFile(path: string): LogRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map(parseLogLine)
    .filter((r): r is LogRecord => r !== undefined);
}

function describeExit(exit: LogCapture['exit']): string {
  if (!exit) return 'still running';
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
