/**
 * Fresh connections one after another, run inside a client pod:
 *
 *   node connection-setup.js --host H --port P --count 300 [--budget-ms 20000]
 *
 * Each: connect, one `GET` with `Connection: close`, wait for the first
 * byte of the answer (connect-to-first-byte: through a proxy this includes
 * the proxy's own connect upstream, or its tunnel stream), read to the
 * server's close, then the next. Sequential on purpose: the rate is the
 * inverse of one setup's cost, not of how many a machine overlaps.
 * Prints one {"event":"result", ...} line.
 */
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { LatencyHistogram } from './latency-histogram.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string', default: '300' },
    'budget-ms': { type: 'string', default: '20000' },
    'timeout-ms': { type: 'string', default: '5000' },
  },
});
const host = String(values.host);
const port = Number(values.port);
const count = Math.min(100_000, Number(values.count));
const budgetMs = Math.min(120_000, Number(values['budget-ms']));
const timeoutMs = Math.min(30_000, Number(values['timeout-ms']));
const request = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n');

/** Milliseconds from connect() to the first byte back; rejects on error, timeout or no answer. */
function once(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByte = 0;
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.once('connect', () => socket.write(request));
    socket.on('data', () => {
      firstByte ||= performance.now();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('end', () => socket.end());
    socket.once('close', (hadError) => {
      clearTimeout(timer);
      if (hadError) return;
      if (firstByte) resolve(firstByte - started);
      else reject(Object.assign(new Error('closed without an answer'), { code: 'ENOANSWER' }));
    });
  });
}

const histogram = new LatencyHistogram();
const errors: Record<string, number> = {};
const started = performance.now();
let done = 0;
for (; done < count && performance.now() - started < budgetMs; done++) {
  try {
    histogram.recordMs(await once());
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
    errors[code] = (errors[code] ?? 0) + 1;
  }
}
const elapsedMs = performance.now() - started;
const summary = histogram.summary();
process.stdout.write(
  `${JSON.stringify({
    event: 'result',
    attempted: done,
    completed: summary.count,
    errors,
    elapsedMs: Math.round(elapsedMs),
    connectionsPerSecond: Math.round((summary.count / elapsedMs) * 1000),
    firstByteUs: summary,
  })}\n`,
);
