/**
 * The test side of a pod worker: requests with an id and a timeout each,
 * answers matched by id, events kept in order and waitable.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { defaultRequestTimeoutMs, type Response, type WorkerEvent } from './pod-worker-protocol.js';

export class WorkerRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly pod: string,
    readonly op: string,
    readonly elapsedMs?: number,
  ) {
    super(message);
    this.name = 'WorkerRequestError';
  }
}

interface Pending {
  op: string;
  resolve: (value: any) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Memory bound for a long run: the oldest events go first. */
const maxEvents = 100_000;

export class PodWorker extends EventEmitter {
  /** every event the worker reported, oldest first ('ready', 'accepted', 'received', ...) */
  readonly events: WorkerEvent[] = [];
  exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #partial = '';

  constructor(readonly pod: string, readonly child: ChildProcess) {
    super();
    this.setMaxListeners(0);
    child.stdout?.on('data', (chunk: Buffer) => this.#feed(chunk));
    // a worker that died leaves a broken pipe; its requests fail by 'close' below
    child.stdin?.on('error', () => {});
    child.once('close', (code, signal) => {
      this.exitStatus = { code, signal };
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        clearTimeout(pending.timer);
        pending.reject(new WorkerRequestError('EWORKEREXIT', `the pod worker in ${pod} exited (${signal ?? code}) before answering ${pending.op}`, pod, pending.op));
      }
      this.emit('exit', code, signal);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends `{id, op, ...args}`; resolves with the result or rejects with a
   * WorkerRequestError carrying the worker's code (ECONNREFUSED, ETIMEDOUT, ...). */
  request<T = any>(op: string, args: Record<string, unknown> = {}, timeoutMs = defaultRequestTimeoutMs(op, args)): Promise<T> {
    if (this.exitStatus) return Promise.reject(new WorkerRequestError('EWORKEREXIT', `the pod worker in ${this.pod} has exited`, this.pod, op));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new WorkerRequestError('EWORKERTIMEOUT', `the pod worker in ${this.pod} did not answer ${op} within ${timeoutMs} ms`, this.pod, op));
      }, timeoutMs);
      this.#pending.set(id, { op, resolve, reject, timer });
      this.child.stdin?.write(`${JSON.stringify({ ...args, id, op })}\n`);
    });
  }

  /** The first event matching `predicate` at index `since` or later; by
   * default only events that arrive after the call. */
  waitForEvent(predicate: (event: WorkerEvent) => boolean, timeoutMs: number, since = this.events.length): Promise<WorkerEvent> {
    const seen = this.events.slice(since).find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onEvent = (event: WorkerEvent): void => {
        if (predicate(event)) settle(() => resolve(event));
      };
      const onExit = (): void => settle(() => reject(new WorkerRequestError('EWORKEREXIT', `the pod worker in ${this.pod} exited while an event was awaited`, this.pod, 'waitForEvent')));
      const timer = setTimeout(
        () => settle(() => reject(new WorkerRequestError('EWORKERTIMEOUT', `no matching event from ${this.pod} within ${timeoutMs} ms`, this.pod, 'waitForEvent'))),
        timeoutMs,
      );
      const settle = (action: () => void): void => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('exit', onExit);
        action();
      };
      this.on('event', onEvent);
      this.once('exit', onExit);
      if (this.exitStatus) onExit();
    });
  }

  /** Asks the worker to exit; kills it if it has not within `timeoutMs`. */
  async exit(timeoutMs = 2000): Promise<void> {
    if (this.exitStatus) return;
    const exited = new Promise<void>((resolve) => this.once('exit', () => resolve()));
    this.request('exit', {}, timeoutMs).catch(() => {});
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  #feed(chunk: Buffer): void {
    const lines = (this.#partial + chunk.toString('utf8')).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let message: Response | WorkerEvent;
      try {
        message = JSON.parse(line) as Response | WorkerEvent;
      } catch {
        continue; // not protocol; the log capture has it
      }
      if ('event' in message) this.#event(message);
      else this.#answer(message);
    }
  }

  #event(event: WorkerEvent): void {
    this.events.push(event);
    if (this.events.length > maxEvents) this.events.splice(0, this.events.length - maxEvents);
    this.emit('event', event);
  }

  #answer(response: Response): void {
    if (response.id === null) return;
    const pending = this.#pending.get(response.id);
    if (!pending) return; // answered after its timeout
    this.#pending.delete(response.id);
    clearTimeout(pending.timer);
    if (response.ok) pending.resolve(response.result);
    else {
      const { code, message } = response.error;
      pending.reject(new WorkerRequestError(code, `${this.pod} ${pending.op}: ${message}`, this.pod, pending.op, response.elapsedMs));
    }
  }
}
