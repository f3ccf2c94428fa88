/**
 * The echo app for the testbed's pods: the conformance suite's echo-advanced
 * (Istio's echo) for what the Gateway API mesh tests use. One process in a pod
 * (spawned in the pod's netns and cgroup by echo-app.ts's startEcho).
 *
 *   node echo-server.js --pod NAME [--namespace NS] [--version v1]
 *                       [--http 8080]... [--grpc 7070]... [--tcp 9090]... [--log-requests] [--run PREFIX]
 *
 * Port 0 takes any; every flag may repeat. Once all ports listen it prints
 * {"msg":"echo ready", pod, http: [...], grpc: [...], tcp: [...]}; with
 * --log-requests, {"msg":"request", ...EchoAnswer} per answer (a failure too).
 *
 * --http: HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on one port; the
 *   answer is the EchoAnswer (echo-answer.ts) as JSON: pod, namespace, version,
 *   port, protocol, method, path with query, host/:authority, every request
 *   header as received, client address and port, x-request-id's attempt,
 *   the request's place on its connection, body bytes, status.
 * --grpc: proto.EchoTestService (echo.proto): Echo, ServerStream,
 *   ClientStream, BidiStream; the EchoAnswer in `message`, request metadata in
 *   its headers, trailers x-echo-pod and x-echo-version on every status.
 * --tcp: echoes bytes back, half-close kept.
 *
 * Knobs, per request: the query parameter (HTTP) or the x-echo-* header
 * (HTTP, and gRPC metadata); the query wins.
 *   delay=250ms | 1.5s | 250        x-echo-delay       wait before answering
 *   codes=503 | 503:1,200:3         x-echo-codes       the status (gRPC: code), weighted pick
 *   headers=a:1,b:2                 x-echo-headers     response headers (gRPC: initial metadata)
 *   trailers=a:1                    x-echo-trailers    gRPC: more trailers
 *   fail_first=N                    x-echo-fail-first  the first N requests with this
 *                                                      x-request-id fail (needs the header)...
 *   fail_with=503 | reset | reset-connection
 *                                   x-echo-fail-with   ...so (default 503). reset: HTTP/1 TCP RST,
 *                                                      HTTP/2 RST_STREAM; reset-connection: TCP
 *                                                      RST on both. gRPC: a code (14, UNAVAILABLE;
 *                                                      default UNAVAILABLE)
 *   fail_delay=300ms                x-echo-fail-delay  the failing attempts wait this instead of
 *                                                      delay (echo-basic's delayRetry)
 *   size=N                          x-echo-size        HTTP: N pattern bytes streamed (no length)
 *                                                      instead of the JSON, who answered in
 *                                                      x-echo-pod and x-echo-version
 * A bad knob answers 400 with x-echo-error (gRPC: INVALID_ARGUMENT).
 * Attempts are counted per process, across ports, protocols and connections.
 */
import { createServer as createTcpServer, type Server } from 'node:net';
import { parseArgs } from 'node:util';
import type { EchoAnswer } from './echo-answer.js';
import { listenGrpc } from './echo-grpc.js';
import { answerHttp, type EchoContext } from './echo-http-handler.js';
import { listenHttp, type HttpExchange } from './echo-http-listener.js';
import { AttemptCounter } from './echo-knobs.js';

const { values } = parseArgs({
  options: {
    pod: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
    version: { type: 'string', default: 'v1' },
    http: { type: 'string', multiple: true, default: [] },
    grpc: { type: 'string', multiple: true, default: [] },
    tcp: { type: 'string', multiple: true, default: [] },
    'log-requests': { type: 'boolean', default: false },
    // only puts the run prefix in the command line, for `pgrep -f PREFIX`
    run: { type: 'string' },
  },
});

const print = (record: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(record)}\n`);
const warn = (message: string): void => void process.stderr.write(`${new Date().toISOString()} echo ${values.pod}: ${message}\n`);

function ports(flag: string, list: string[]): number[] {
  return list.map((text) => {
    const port = Number(text);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--${flag} wants a port, got ${text}`);
    return port;
  });
}

function listenTcpEcho(port: number): Promise<number> {
  const server: Server = createTcpServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', (error) => warn(`tcp ${port}: ${error.message}`));
    socket.pipe(socket); // ends our side once the peer's FIN is read and everything before it echoed
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '0.0.0.0', port }, () => resolve((server.address() as { port: number }).port));
  });
}

async function main(): Promise<void> {
  if (!values.pod) throw new Error('--pod is required');
  const context: EchoContext = {
    identity: { pod: values.pod, namespace: values.namespace, version: values.version },
    attempts: new AttemptCounter(),
    answered: values['log-requests'] ? (answer: EchoAnswer) => print({ msg: 'request', ...answer }) : () => {},
    warn,
  };
  const http: number[] = [];
  for (const port of ports('http', values.http)) {
    const answer = (exchange: HttpExchange): void => {
      answerHttp(context, exchange).catch((error: Error) => {
        warn(`answering ${exchange.req.url}: ${error.stack ?? error.message}`);
        exchange.resetConnection();
      });
    };
    http.push((await listenHttp(port, answer, warn)).port);
  }
  const grpc: number[] = [];
  for (const port of ports('grpc', values.grpc)) grpc.push((await listenGrpc(context, port)).port);
  const tcp: number[] = [];
  for (const port of ports('tcp', values.tcp)) tcp.push(await listenTcpEcho(port));
  print({ msg: 'echo ready', pod: values.pod, version: values.version, http, grpc, tcp });
}

process.on('SIGTERM', () => process.exit(0));
main().catch((error: Error) => {
  print({ msg: 'echo failed', error: error.message });
  process.exit(1);
});
