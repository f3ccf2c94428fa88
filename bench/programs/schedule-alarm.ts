/**
 * The open-loop client's clock, in a worker thread: posts index i when
 * request i is due. Node's own timers tick in whole milliseconds, which at
 * 1,000 req/s would delay the average request by most of a millisecond
 * before it is even written; Atomics.wait sleeps with microsecond resolution,
 * so requests leave within tens of microseconds of their due time, without
 * spinning a core the proxies need.
 *
 * workerData: { startEpochMs, intervalMs, total } — startEpochMs on the
 * performance.timeOrigin + performance.now() scale, which both threads share.
 */
import { parentPort, workerData } from 'node:worker_threads';

const { startEpochMs, intervalMs, total } = workerData as { startEpochMs: number; intervalMs: number; total: number };
const sleeper = new Int32Array(new SharedArrayBuffer(4));
for (let i = 0; i < total; i++) {
  const wait = startEpochMs + i * intervalMs - (performance.timeOrigin + performance.now());
  if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
  parentPort!.postMessage(i);
}
