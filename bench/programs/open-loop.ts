/**
 * Open-loop HTTP load at a fixed request rate, run inside a client pod:
 *
 *   node open-loop.js --host H --port P --rate 1000 --warmup-ms 1000 --duration-ms 10000
 *     [--body-bytes 1024] [--connections 16] [--max-connections 512] [--drain-ms 5000]
 *
 * Our own because Debian 12 packages no open-loop HTTP load generator (no
 * wrk2, vegeta or fortio); h2load's rate options pace connections, not
 * requests; hey's -q paces each worker after its previous answer, so a slow
 * response delays the sends behind it (coordinated omission).
 *
 * Request i is due at start + i/rate whatever happened to the ones before it,
 * and its latency runs from that due time, so a stall counts in every request
 * it held up. A due request leaves on an idle keep-alive connection; with none
 * idle, on a new one (up to --max-connections), so one slow answer never
 * holds up the schedule. Due times come from a worker-thread alarm with
 * microsecond resolution (schedule-alarm.ts); what lag remains, mostly this
 * thread being busy, is reported (sendLag) and stays in the latency.
 *
 * Prints {"event":"measure-start"} when the first measured request is due,
 * {"event":"measure-end"} when the last one is answered (the window in which
 * the bench reads the proxies' CPU), then {"event":"result", ...}; exits 0.
 */
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { LatencyHistogram } from './latency-histogram.js';
import { ResponseReader } from './response-reader.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    'warmup-ms': { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '10000' },
    'body-bytes': { type: 'string', default: '1024' },
    connections: { type: 'string', default: '16' },
    'max-connections': { type: 'string', default: '512' },
    'drain-ms': { type: 'string', default: '5000' },
  },
});
const bounded = (name: keyof typeof values, min: number, max: number): number => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be between ${min} and ${max}, got ${values[name]}`);
  return value;
};
const host = String(values.host);
const port = bounded('port', 1, 65535);
const rate = bounded('rate', 1, 100_000);
const warmupCount = Math.round((rate * bounded('warmup-ms', 0, 120_000)) / 1000);
const measureCount = Math.max(1, Math.round((rate * bounded('duration-ms', 1, 120_000)) / 1000));
const initialConnections = bounded('connections', 1, 10_000);
const maxConnections = bounded('max-connections', initialConnections, 10_000);
const drainMs = bounded('drain-ms', 0, 60_000);
const bodyBytes = bounded('body-bytes', 0, 1024 * 1024);
const request = Buffer.concat([
  Buffer.from(`POST / HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bodyBytes}\r\n\r\n`),
  Buffer.alloc(bodyBytes, 'q'),
]);
const interval = 1000 / rate;

interface Job {
  index: number;
  due: number;
}

const latency = new LatencyHistogram();
const service = new LatencyHistogram();
const sendLag = new LatencyHistogram();
const errors: Record<string, number> = {};
const idle: Connection[] = [];
const queue: Job[] = [];
const open = new Set<Connection>();
let opened = 0;
let measuredDone = 0;
let measureStartedAt = 0;

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

class Connection {
  readonly socket: Socket;
  readonly reader = new ResponseReader();
  connected = false;
  job: Job | undefined;
  sentAt = 0;

  constructor(first?: Job) {
    opened++;
    open.add(this);
    this.job = first;
    this.socket = connect({ host, port, noDelay: true });
    this.socket.once('connect', () => {
      this.connected = true;
      if (this.job) this.#write();
      else release(this);
    });
    this.socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.#fail(error.code ?? error.message));
    this.socket.once('close', () => this.#fail('ECLOSED'));
  }

  send(job: Job): void {
    this.job = job;
    this.#write();
  }

  #write(): void {
    this.sentAt = performance.now();
    this.socket.write(request);
  }

  #onData(chunk: Buffer): void {
    let status: number | undefined;
    try {
      status = this.reader.push(chunk);
    } catch (error) {
      this.socket.destroy();
      this.#fail(`EPROTO: ${(error as Error).message}`);
      return;
    }
    if (status === undefined) return;
    const job = this.job!;
    this.job = undefined;
    if (status === 200) finished(job, this.sentAt, performance.now());
    else failed(job, `HTTP ${status}`);
    release(this);
  }

  #fail(reason: string): void {
    if (!open.delete(this)) return;
    const at = idle.indexOf(this);
    if (at >= 0) idle.splice(at, 1);
    if (this.job) failed(this.job, reason);
    this.job = undefined;
    this.socket.destroy();
    // the queue may have been waiting for this connection
    if (queue.length > 0 && open.size < maxConnections) new Connection(queue.shift());
  }
}

function isMeasured(job: Job): boolean {
  return job.index >= warmupCount;
}

function finished(job: Job, sentAt: number, now: number): void {
  if (!isMeasured(job)) return;
  latency.recordMs(now - job.due);
  service.recordMs(now - sentAt);
  sendLag.recordMs(sentAt - job.due);
  countDone();
}

function failed(job: Job, reason: string): void {
  if (!isMeasured(job)) return;
  errors[reason] = (errors[reason] ?? 0) + 1;
  countDone();
}

function countDone(): void {
  if (++measuredDone === measureCount) finish();
}

/** A connection with nothing in flight takes the oldest waiting request, or goes idle. */
function release(connection: Connection): void {
  const next = queue.shift();
  if (next) connection.send(next);
  else idle.push(connection);
}

function dispatch(job: Job): void {
  const connection = idle.pop();
  if (connection) connection.send(job);
  else if (open.size < maxConnections) new Connection(job);
  else queue.push(job);
}

let next = 0;
let start = 0;
/** Sends every request due up to `index` (the alarm's messages may arrive bunched when this thread was busy). */
function due(index: number): void {
  const total = warmupCount + measureCount;
  for (; next <= index && next < total; next++) {
    if (next === warmupCount) {
      measureStartedAt = start + next * interval;
      emit({ event: 'measure-start' });
    }
    dispatch({ index: next, due: start + next * interval });
  }
  if (next < total) return;
  // requests still unanswered this long after the last was due count as failed
  setTimeout(() => {
    const missing = measureCount - measuredDone;
    if (missing > 0) {
      errors.ETIMEDOUT = (errors.ETIMEDOUT ?? 0) + missing;
      measuredDone = measureCount;
      finish();
    }
  }, drainMs).unref();
}

function startSchedule(): void {
  start = performance.now() + 2;
  const alarm = new Worker(new URL('./schedule-alarm.js', import.meta.url), {
    workerData: { startEpochMs: performance.timeOrigin + start, intervalMs: interval, total: warmupCount + measureCount },
  });
  alarm.on('message', (index: number) => due(index));
  alarm.on('error', (error) => {
    emit({ event: 'error', message: `schedule alarm: ${error.message}` });
    process.exit(1);
  });
}

let finishedOnce = false;
function finish(): void {
  if (finishedOnce) return;
  finishedOnce = true;
  const windowMs = performance.now() - measureStartedAt;
  emit({ event: 'measure-end' });
  const summary = latency.summary();
  emit({
    event: 'result',
    rate,
    scheduled: measureCount,
    completed: summary.count,
    errors,
    achievedRate: Math.round((summary.count / windowMs) * 1000),
    windowMs: Math.round(windowMs),
    connectionsOpened: opened,
    latencyUs: summary,
    serviceUs: service.summary(),
    sendLagUs: sendLag.summary(),
  });
  for (const connection of open) connection.socket.destroy();
  setTimeout(() => process.exit(0), 50);
}

// The pool is opened before the clock starts, so connects are not in the first latencies.
const warmPool = Array.from({ length: initialConnections }, () => new Connection());
const deadline = setTimeout(() => {
  emit({ event: 'error', message: `only ${idle.length} of ${initialConnections} connections opened within 10 s`, errors });
  process.exit(1);
}, 10_000);
const poll = setInterval(() => {
  if (idle.length < warmPool.length) return;
  clearInterval(poll);
  clearTimeout(deadline);
  startSchedule();
}, 5);
