/**
 * The HTTP application of the http-telemetry end-to-end test, one process
 * per pod, plain node:http with no mesh awareness. Bounded: every request
 * has a timeout, the client runs a fixed plan and exits.
 *
 *   --role server --port 8080 --pod NAME
 *     GET|POST /ok?bytes=N  200 with N body bytes (Content-Length)
 *     any /missing          404 with a short body
 *     prints {"msg":"listening"} once, then {"msg":"request", method, path,
 *     traceparent, baggage, bodyBytes} per request: what arrived, as it arrived
 *
 *   --role client --plan FILE
 *     FILE: {"base": "http://10.96.0.60:8080", "requests": [{method, path,
 *     headers, body}]} where body is a byte count; sent in order on one
 *     keep-alive connection at a time; prints {"msg":"client done",
 *     results: [{status, bodyBytes}], sentBytes, receivedBytes, sockets}:
 *     the bytes every socket wrote and read, exactly, on the wire
 */
import { readFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    port: { type: 'string', default: '8080' },
    pod: { type: 'string', default: 'unknown' },
    plan: { type: 'string' },
  },
});

const print = (record: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(record)}\n`);
const requestTimeoutMs = 10_000;

interface PlannedRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: number;
}

function serve(): void {
  const server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://app');
      print({ msg: 'request', pod: values.pod, method: req.method, path: url.pathname, traceparent: req.headers.traceparent, baggage: req.headers.baggage, bodyBytes });
      if (url.pathname === '/ok') {
        const size = Math.min(Number(url.searchParams.get('bytes') ?? 0) || 0, 10_000_000);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size }).end(Buffer.alloc(size, 'w'));
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    });
  });
  server.listen(Number(values.port), '0.0.0.0', () => print({ msg: 'listening', pod: values.pod, port: Number(values.port) }));
  process.on('SIGTERM', () => process.exit(0));
}

async function runPlan(): Promise<void> {
  const plan = JSON.parse(readFileSync(values.plan!, 'utf8')) as { base: string; requests: PlannedRequest[] };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<Socket>();
  const closed: Array<Promise<void>> = [];
  const results: Array<{ status: number; bodyBytes: number }> = [];
  for (const planned of plan.requests) {
    const result = await new Promise<{ status: number; bodyBytes: number }>((resolve, reject) => {
      const req = request(new URL(planned.path, plan.base), { method: planned.method, agent, headers: planned.headers, timeout: requestTimeoutMs }, (res) => {
        let bodyBytes = 0;
        res.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bodyBytes }));
        res.on('error', reject);
      });
      req.on('socket', (socket: Socket) => {
        if (sockets.has(socket)) return;
        sockets.add(socket);
        closed.push(new Promise((done) => socket.once('close', () => done())));
      });
      req.on('timeout', () => req.destroy(new Error(`${planned.method} ${planned.path} timed out`)));
      req.on('error', reject);
      req.end(planned.body ? Buffer.alloc(planned.body, 'c') : undefined);
    });
    results.push(result);
  }
  agent.destroy();
  await Promise.all(closed);
  const all = [...sockets];
  print({
    msg: 'client done',
    results,
    sentBytes: all.reduce((sum, s) => sum + s.bytesWritten, 0),
    receivedBytes: all.reduce((sum, s) => sum + s.bytesRead, 0),
    sockets: all.length,
  });
}

if (values.role === 'server') serve();
else if (values.role === 'client') {
  runPlan().then(
    () => process.exit(0),
    (error: Error) => {
      print({ msg: 'client failed', error: error.message });
      process.exit(1);
    },
  );
} else {
  process.stderr.write('usage: http-telemetry-app.js --role server|client ...\n');
  process.exit(2);
}
