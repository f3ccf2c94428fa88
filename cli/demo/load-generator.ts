/**
 * The demo's traffic, run inside the load pod: one GET to a URL (the frontend
 * VIP) every interval, a new connection and a fresh W3C trace context each
 * time, never more than one in flight, until the duration is up. Prints a JSON
 * line every 10 requests. Bounded in count and time.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'interval-ms': { type: 'string', default: '250' },
    'duration-s': { type: 'string', default: '60' },
    pod: { type: 'string', default: 'loadgen' },
  },
});
const url = values.url;
const intervalMs = Math.max(10, Number(values['interval-ms']));
const durationMs = Math.max(1, Number(values['duration-s'])) * 1000;
if (!url || !Number.isFinite(intervalMs) || !Number.isFinite(durationMs)) {
  process.stderr.write('usage: load-generator --url URL [--interval-ms N] [--duration-s N]\n');
  process.exit(2);
}

function log(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), pod: values.pod, ...record })}\n`);
}

/** Resolves to the status code, or 0 when no response came. */
function get(target: string): Promise<number> {
  const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
  return new Promise((resolve) => {
    const call = request(target, { agent: false, timeout: 5000, headers: { traceparent, baggage: `demo.source=${values.pod}` } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', () => resolve(0));
    });
    call.on('timeout', () => call.destroy(new Error('timed out')));
    call.on('error', () => resolve(0));
    call.end();
  });
}

process.on('SIGTERM', () => process.exit(0));
const deadline = Date.now() + durationMs;
const maxRequests = Math.ceil(durationMs / intervalMs) + 1;
let sent = 0;
let failed = 0;
log({ msg: 'load started', url, intervalMs, durationMs });
while (Date.now() < deadline && sent < maxRequests) {
  const started = Date.now();
  const status = await get(url);
  sent++;
  if (status < 200 || status >= 500) failed++;
  if (sent % 10 === 0) log({ msg: 'progress', sent, failed, lastStatus: status });
  await sleep(Math.max(0, intervalMs - (Date.now() - started)));
}
log({ msg: 'load done', sent, failed });
