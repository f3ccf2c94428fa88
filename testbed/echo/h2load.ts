/**
 * h2load (Debian's nghttp2-client) run inside a pod: many requests over few
 * connections, HTTP/2 multiplexed (or HTTP/1.1 with `h1`), and the summary
 * lines it prints, as numbers.
 *
 *   const load = await h2loadInPod(bed, 'client', { url: `${echo.httpBase}/`, requests: 1000, clients: 1, streams: 10 });
 *   load.requests.succeeded, load.status['2xx']
 */
import { WeftError } from '../../core/errors.js';
import { runInPod } from '../run-in-pod.js';
import type { Testbed } from '../testbed.js';

export class H2loadError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_TESTBED_H2LOAD', message);
  }
}

export interface H2loadOptions {
  url: string;
  /** -n, in all (default 100) */
  requests?: number;
  /** -c, connections (default 1) */
  clients?: number;
  /** -m, streams in flight per connection (default 1) */
  streams?: number;
  /** --h1: HTTP/1.1 keep-alive instead of HTTP/2 prior knowledge */
  h1?: boolean;
  headers?: Record<string, string>;
  /** the whole run; default 60 s */
  timeoutMs?: number;
}

export interface H2loadResult {
  requests: { total: number; started: number; done: number; succeeded: number; failed: number; errored: number; timeout: number };
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  finishedMs: number;
  requestsPerSecond: number;
  output: string;
}

const maxRequests = 10_000_000;

export async function h2loadInPod(bed: Testbed, pod: string, options: H2loadOptions): Promise<H2loadResult> {
  const requests = options.requests ?? 100;
  if (!Number.isInteger(requests) || requests < 1 || requests > maxRequests) throw new H2loadError(`requests must be 1-${maxRequests}`);
  const argv = ['h2load', '-n', String(requests), '-c', String(options.clients ?? 1), '-m', String(options.streams ?? 1), '-t', '1'];
  if (options.h1) argv.push('--h1');
  for (const [name, value] of Object.entries(options.headers ?? {})) argv.push('-H', `${name}: ${value}`);
  argv.push(options.url);
  const timeoutMs = options.timeoutMs ?? 60_000;
  // h2load's own deadline for a stuck run, inside ours
  argv.splice(1, 0, '-T', String(Math.max(1, Math.floor(timeoutMs / 1000) - 2)));
  const { stdout, stderr, exitCode } = await runInPod(bed, pod, argv, { timeoutMs });
  const requestsLine = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(stdout);
  const statusLine = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
  const finishedLine = /finished in ([\d.]+)(us|ms|s), ([\d.]+) req\/s/.exec(stdout);
  if (!requestsLine || !statusLine || !finishedLine) throw new H2loadError(`h2load in ${pod} printed no summary (exit ${exitCode}): ${stderr.trim() || stdout.slice(-500)}`);
  const n = (match: RegExpExecArray, i: number): number => Number(match[i]);
  const unit = { us: 0.001, ms: 1, s: 1000 }[finishedLine[2] as 'us' | 'ms' | 's'];
  return {
    requests: { total: n(requestsLine, 1), started: n(requestsLine, 2), done: n(requestsLine, 3), succeeded: n(requestsLine, 4), failed: n(requestsLine, 5), errored: n(requestsLine, 6), timeout: n(requestsLine, 7) },
    status: { '2xx': n(statusLine, 1), '3xx': n(statusLine, 2), '4xx': n(statusLine, 3), '5xx': n(statusLine, 4) },
    finishedMs: n(finishedLine, 1) * unit,
    requestsPerSecond: n(finishedLine, 3),
    output: stdout,
  };
}
