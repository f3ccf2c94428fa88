/**
 * The pod worker's wire protocol: newline-delimited JSON on the worker's
 * stdin (requests) and stdout (responses and unsolicited events).
 */

export type ListenMode = 'echo' | 'hello-echo' | 'speak-first';

export interface ListenArgs {
  port: number;
  mode: ListenMode;
  /** speak-first: how many bytes the server writes before it half-closes */
  bytes?: number;
}

export interface ConnectArgs {
  host: string;
  port: number;
  bytes: number;
  expect: ListenMode;
  localAddress?: string;
  timeoutMs?: number;
  /** sent instead of `bytes` of the pseudo-random pattern: a test that looks for
   * known bytes on the wire (a plaintext marker) needs to choose them */
  payload?: string;
}

export interface ConnectManyArgs {
  host: string;
  port: number;
  count: number;
  concurrency: number;
  /** per connection */
  timeoutMs?: number;
}

/** The first line a hello-echo server writes. */
export interface Hello {
  pod: string;
  remoteAddress: string;
  remotePort: number;
}

export interface ConnectResult {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  hello?: Hello;
  sentBytes: number;
  sentSha256: string;
  receivedBytes: number;
  receivedSha256: string;
  elapsedMs: number;
}

export interface ConnectManyResult {
  byPod: Record<string, number>;
  byRemote: Record<string, number>;
  ok: number;
  failures: number;
  errors: Record<string, number>;
}

export interface Request {
  id: number;
  op: string;
  [arg: string]: unknown;
}

export interface ErrorBody {
  code: string;
  message: string;
}

export type Response =
  | { id: number | null; ok: true; result: unknown }
  | { id: number | null; ok: false; error: ErrorBody; elapsedMs?: number };

export interface WorkerEvent {
  event: string;
  [field: string]: any;
}

/** Limits that keep every op bounded. */
export const limits = {
  maxBytes: 1024 * 1024 * 1024,
  /** a connect's own payload travels in one JSON line: keep it small */
  maxPayloadBytes: 64 * 1024,
  maxCount: 100_000,
  maxConcurrency: 1000,
  maxTimeoutMs: 10 * 60_000,
  defaultTimeoutMs: 10_000,
  /** a hello line longer than this is not a hello */
  maxHelloBytes: 4096,
} as const;

/** How long the client waits for an answer by default: the op's own budget
 * plus slack, so the worker's coded answer (e.g. ETIMEDOUT) arrives first. */
export function defaultRequestTimeoutMs(op: string, args: Record<string, unknown>): number {
  const perConnection = typeof args.timeoutMs === 'number' ? args.timeoutMs : limits.defaultTimeoutMs;
  if (op === 'connect') return perConnection + 5_000;
  if (op === 'hold') return Math.min((typeof args.durationMs === 'number' ? args.durationMs : 0) + 10_000, limits.maxTimeoutMs);
  if (op === 'flood') {
    const count = typeof args.count === 'number' ? args.count : 1;
    const concurrency = typeof args.concurrency === 'number' && args.concurrency > 0 ? args.concurrency : 256;
    const holdMs = typeof args.holdMs === 'number' ? args.holdMs : 0;
    return Math.min(Math.ceil(count / concurrency) * perConnection + holdMs + 10_000, limits.maxTimeoutMs);
  }
  if (op === 'connectMany') {
    const count = typeof args.count === 'number' ? args.count : 1;
    const concurrency = typeof args.concurrency === 'number' && args.concurrency > 0 ? args.concurrency : 1;
    return Math.min(Math.ceil(count / concurrency) * perConnection + 5_000, limits.maxTimeoutMs);
  }
  return limits.defaultTimeoutMs;
}
