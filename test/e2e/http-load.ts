/**
 * HTTP load for the end-to-end tests, run inside pods.
 *
 *   node http-load.js serve --port 8080 --name web-1
 *     answers every request with 200 and {"pod": name}; one JSON line when listening
 *   node http-load.js drive --url http://VIP:PORT/ --rate 20 --seconds 75
 *     sends requests on a fixed schedule (request i at start + i/rate), each on a
 *     new connection (so connections and requests count alike), then prints one
 *     JSON summary line: what it sent, what came back, and when each response ended
 *
 * Bounded: `drive` sends rate x seconds requests, each with a timeout, and exits
 * by a hard deadline whatever happens.
 */
import { createServer, request } from 'node:http';
import { parseArgs } from 'node:util';

export interface DriveSummary {
  msg: 'drive done';
  planned: number;
  ok: number;
  failed: number;
  /** status code (or error code) -> count */
  outcomes: Record<string, number>;
  /** answering pod -> count */
  byPod: Record<string, number>;
  /** epoch ms when each successful response ended, ascending */
  completions: number[];
  startedMs: number;
  endedMs: number;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    name: { type: 'string' },
    url: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    'timeout-ms': { type: 'string', default: '3000' },
  },
});

function serve(port: number, name: string): void {
  const body = JSON.stringify({ pod: name }) + '\n';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(port, '0.0.0.0', () => process.stdout.write(JSON.stringify({ msg: 'listening', pod: name, port }) + '\n'));
  process.on('SIGTERM', () => process.exit(0));
}

function once(url: string, timeoutMs: number): Promise<{ outcome: string; pod?: string }> {
  return new Promise((resolve) => {
    const call = request(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        let pod: string | undefined;
        try {
          pod = (JSON.parse(Buffer.concat(chunks).toString()) as { pod?: string }).pod;
        } catch {
          pod = undefined;
        }
        resolve({ outcome: String(res.statusCode), pod });
      });
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ outcome: error.code ?? 'response_error' }));
    });
    call.on('timeout', () => call.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    call.on('error', (error: NodeJS.ErrnoException) => resolve({ outcome: error.code ?? 'request_error' }));
    call.end();
  });
}

async function drive(url: string, rate: number, seconds: number, timeoutMs: number): Promise<void> {
  const planned = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const hardDeadline = setTimeout(() => {
    process.stdout.write(JSON.stringify({ msg: 'drive deadline passed' }) + '\n');
    process.exit(2);
  }, seconds * 1000 + timeoutMs + 5000);
  const summary: DriveSummary = { msg: 'drive done', planned, ok: 0, failed: 0, outcomes: {}, byPod: {}, completions: [], startedMs: Date.now(), endedMs: 0 };
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < planned; i++) {
    // On an absolute schedule: a slow response never delays the next request.
    const wait = start + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      once(url, timeoutMs).then(({ outcome, pod }) => {
        summary.outcomes[outcome] = (summary.outcomes[outcome] ?? 0) + 1;
        if (outcome === '200') {
          summary.ok++;
          summary.completions.push(Date.now());
          if (pod) summary.byPod[pod] = (summary.byPod[pod] ?? 0) + 1;
        } else {
          summary.failed++;
        }
      }),
    );
  }
  await Promise.all(pending);
  clearTimeout(hardDeadline);
  summary.endedMs = Date.now();
  summary.completions.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify(summary) + '\n');
}

const mode = positionals[0];
if (mode === 'serve' && values.port && values.name) {
  serve(Number(values.port), values.name);
} else if (mode === 'drive' && values.url && values.rate && values.seconds) {
  await drive(values.url, Number(values.rate), Number(values.seconds), Number(values['timeout-ms']));
} else {
  process.stderr.write('usage: http-load.js serve --port N --name POD | drive --url URL --rate R --seconds S [--timeout-ms T]\n');
  process.exit(64);
}
