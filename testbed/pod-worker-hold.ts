/**
 * `hold`: one long-lived connection to an echo server that proves itself
 * every interval (a small message out, the same bytes back) for a duration.
 * Any break — reset, close, a late echo — ends it with the error and the
 * rounds that did succeed, so a test can tell "never broke" from "broke at N".
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { ConnectError } from './pod-worker-connect.js';
import { limits } from './pod-worker-protocol.js';

export interface HoldArgs {
  host: string;
  port: number;
  durationMs: number;
  intervalMs: number;
  /** how long one echo may take */
  roundTimeoutMs?: number;
  /** 'hello-echo': the server speaks one line first, which is returned */
  expect?: 'echo' | 'hello-echo';
}

export interface HoldResult {
  rounds: number;
  hello?: unknown;
  localPort: number;
  elapsedMs: number;
}

export async function hold(args: HoldArgs): Promise<HoldResult> {
  const durationMs = Math.min(args.durationMs, limits.maxTimeoutMs);
  const roundTimeoutMs = args.roundTimeoutMs ?? 2000;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const socket = netConnect({ host: args.host, port: args.port, allowHalfOpen: true });
  let rounds = 0;
  let failure: Error | undefined;
  socket.on('error', (error) => (failure ??= error));
  socket.on('close', () => (failure ??= Object.assign(new Error('connection closed by peer'), { code: 'ECLOSED' })));
  try {
    await once(socket, 'connect', roundTimeoutMs);
    const hello = args.expect === 'hello-echo' ? await readHello(socket, roundTimeoutMs, () => failure) : undefined;
    const deadline = started + durationMs;
    while (performance.now() < deadline) {
      const message = randomBytes(32);
      socket.write(message);
      const echoed = await readExactly(socket, message.length, roundTimeoutMs, () => failure);
      if (!echoed.equals(message)) throw Object.assign(new Error(`round ${rounds + 1}: echo differs`), { code: 'EMISMATCH' });
      rounds++;
      await new Promise((resolve) => setTimeout(resolve, args.intervalMs));
      if (failure) throw failure;
    }
    socket.end();
    return { rounds, hello, localPort: socket.localPort ?? 0, elapsedMs: elapsed() };
  } catch (error) {
    socket.destroy();
    const code = (error as NodeJS.ErrnoException).code ?? 'EHOLD';
    throw new ConnectError(code, `after ${rounds} good rounds: ${(error as Error).message}`, elapsed());
  }
}

function once(socket: Socket, event: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`no ${event} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function readExactly(socket: Socket, length: number, timeoutMs: number, failed: () => Error | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.length;
      if (have >= length) finish();
    };
    const onClose = () => finish(failed() ?? new Error('connection closed'));
    const timer = setTimeout(
      () => finish(Object.assign(new Error(`echo of ${length} bytes not back within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** The server's first line, as JSON; bytes after it (none, before we speak) would be lost, so there are none. */
async function readHello(socket: Socket, timeoutMs: number, failed: () => Error | undefined): Promise<unknown> {
  let text = '';
  for (let i = 0; i < limits.maxHelloBytes && !text.includes('\n'); i++) {
    text += (await readExactly(socket, 1, timeoutMs, failed)).toString('latin1');
  }
  return JSON.parse(text.slice(0, text.indexOf('\n')));
}
