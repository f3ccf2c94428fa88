/**
 * The pod worker: a small program the testbed runs inside a pod (its network
 * namespace and its cgroup) to listen and connect on the tests' behalf.
 *
 *   node pod-worker.js --pod NAME [--run PREFIX]
 *
 * (--run only puts the run prefix in the command line, for `pgrep -f PREFIX`.)
 *
 * Requests are JSON lines on stdin, `{id, op, ...args}`; answers are JSON
 * lines on stdout, `{id, ok: true, result}` or `{id, ok: false, error: {code,
 * message}}`; unsolicited `{event, ...}` lines report what servers see.
 * Diagnostics go to stderr. The worker exits when stdin closes, so it never
 * outlives the test process that feeds it.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { connect, ConnectError, connectMany } from './pod-worker-connect.js';
import { flood, type FloodArgs } from './pod-worker-flood.js';
import { hold, type HoldArgs } from './pod-worker-hold.js';
import type { ConnectArgs, ConnectManyArgs, ListenArgs, Request, Response, WorkerEvent } from './pod-worker-protocol.js';
import { limits } from './pod-worker-protocol.js';
import { Servers } from './pod-worker-servers.js';
import { codeOf, CodedError } from './worker-error.js';

const { values } = parseArgs({ options: { pod: { type: 'string' }, run: { type: 'string' } } });
const pod = values.pod ?? 'unknown';

function send(message: Response | WorkerEvent): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function warn(message: string): void {
  process.stderr.write(`${new Date().toISOString()} pod-worker ${pod}: ${message}\n`);
}

const servers = new Servers(pod, send, warn);

/** Ops whose own arguments do not bound them get this deadline. */
const opDeadlineMs = limits.defaultTimeoutMs;

type Op = (args: Record<string, unknown>) => Promise<unknown> | unknown;

const ops: Record<string, Op> = {
  ping: () => ({ pod, pid: process.pid }),
  listen: (args) => withDeadline('listen', servers.listen(args as unknown as ListenArgs), opDeadlineMs),
  close: (args) => servers.close(Number(args.port)),
  accepted: () => servers.acceptedCounts(),
  connect: (args) => connect(pod, args as unknown as ConnectArgs),
  connectMany: (args) => connectMany(pod, args as unknown as ConnectManyArgs),
  hold: (args) => hold(args as unknown as HoldArgs),
  flood: (args) => flood(args as unknown as FloodArgs),
  exit: () => {
    servers.closeAll();
    // stdout to a pipe is synchronous on Linux: the answer is out before we exit
    setImmediate(() => process.exit(0));
    return { exiting: true };
  },
};

async function handle(line: string): Promise<void> {
  let request: Request;
  try {
    request = JSON.parse(line) as Request;
    if (typeof request !== 'object' || request === null || typeof request.op !== 'string') throw new Error('not a request object');
  } catch (error) {
    return send({ id: null, ok: false, error: { code: 'EBADREQUEST', message: (error as Error).message } });
  }
  const id = typeof request.id === 'number' ? request.id : null;
  const op = ops[request.op];
  if (!op) return send({ id, ok: false, error: { code: 'EBADOP', message: `unknown op ${request.op}` } });
  try {
    const { id: _id, op: _op, ...args } = request;
    send({ id, ok: true, result: await op(args) });
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    const elapsedMs = error instanceof ConnectError ? error.elapsedMs : undefined;
    send({ id, ok: false, error: { code: codeOf(error), message }, ...(elapsedMs === undefined ? {} : { elapsedMs }) });
  }
}

function withDeadline<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CodedError('ETIMEDOUT', `${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The v2 line of /proc/self/cgroup ("0::/path"): lets the testbed check the worker landed in the pod's cgroup. */
function ownCgroup(): string | undefined {
  try {
    return readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m)?.[1];
  } catch {
    return undefined;
  }
}

const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => {
  if (line.trim()) void handle(line);
});
input.on('close', () => {
  servers.closeAll();
  process.exit(0);
});
process.on('uncaughtException', (error) => {
  warn(`uncaught: ${error.stack ?? error.message}`);
  process.exit(70);
});

send({ event: 'ready', pod, pid: process.pid, cgroup: ownCgroup() });
