/**
 * The worker's client side: one connection with a byte count and a hash each
 * way, or many small ones counted by who answered.
 */
import { createHash } from 'node:crypto';
import { connect as netConnect, isIPv4, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Received, sendPattern, type Sent } from './byte-pattern.js';
import {
  limits,
  type ConnectArgs,
  type ConnectManyArgs,
  type ConnectManyResult,
  type ConnectResult,
  type Hello,
} from './pod-worker-protocol.js';
import { checkInteger, codeOf, CodedError } from './worker-error.js';

/** A failed connect carries how long it took: tests tell fail-fast from timeout by it. */
export class ConnectError extends CodedError {
  constructor(code: string, message: string, readonly elapsedMs: number) {
    super(code, message);
  }
}

let connections = 0;

export function connect(pod: string, args: ConnectArgs): Promise<ConnectResult> {
  if (typeof args.host !== 'string' || args.host.length === 0) throw new CodedError('EINVAL', 'host is required');
  const port = checkInteger('port', args.port, 1, 65535);
  const bytes = checkInteger('bytes', args.bytes ?? 0, 0, limits.maxBytes);
  const timeoutMs = checkInteger('timeoutMs', args.timeoutMs ?? limits.defaultTimeoutMs, 1, limits.maxTimeoutMs);
  const expect = args.expect ?? 'echo';
  if (!['echo', 'hello-echo', 'speak-first'].includes(expect)) throw new CodedError('EINVAL', `expect must be echo, hello-echo or speak-first`);
  if (args.localAddress !== undefined && !isIPv4(args.localAddress)) throw new CodedError('EINVAL', 'localAddress must be IPv4');
  if (args.payload !== undefined && (typeof args.payload !== 'string' || Buffer.byteLength(args.payload) > limits.maxPayloadBytes)) {
    throw new CodedError('EINVAL', `payload must be a string of at most ${limits.maxPayloadBytes} bytes`);
  }
  const payload = args.payload === undefined ? undefined : Buffer.from(args.payload, 'utf8');

  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const seed = `connect:${pod}:${++connections}:${Date.now()}`;

  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: args.host, port, localAddress: args.localAddress, allowHalfOpen: true });
    const received = new Received();
    const hello = expect === 'hello-echo' ? new HelloReader() : undefined;
    let addresses: Pick<ConnectResult, 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'> | undefined;
    let sent: Sent | undefined;
    let peerEnded = false;
    let settled = false;

    const timer = setTimeout(
      () => fail(new CodedError('ETIMEDOUT', `${args.host}:${port} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const code = codeOf(error);
      reject(new ConnectError(code, `connect ${args.host}:${port}: ${(error as Error).message ?? code}`, elapsed()));
    };
    const finishIfDone = (): void => {
      if (settled || !sent || !peerEnded || !addresses) return;
      if (hello && !hello.value) return fail(new CodedError('EBADHELLO', 'the server ended before its hello line'));
      settled = true;
      clearTimeout(timer);
      resolve({
        ...addresses,
        ...(hello?.value ? { hello: hello.value } : {}),
        sentBytes: sent.bytes,
        sentSha256: sent.sha256,
        receivedBytes: received.bytes,
        receivedSha256: received.digest(),
        elapsedMs: elapsed(),
      });
    };
    const send = (): void => {
      (payload ? sendPayload(socket, payload) : sendPattern(socket, seed, bytes)).then((result) => {
        sent = result;
        finishIfDone();
      }, fail);
    };

    socket.on('error', fail);
    socket.on('connect', () => {
      addresses = {
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
      };
      // echo modes send at once and read concurrently (a 64 MiB echo would
      // deadlock otherwise); speak-first waits for the server's FIN.
      if (expect !== 'speak-first') send();
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        const rest = hello ? hello.feed(chunk) : chunk;
        if (rest.length > 0) received.add(rest);
      } catch (error) {
        fail(error);
      }
    });
    socket.on('end', () => {
      peerEnded = true;
      if (expect === 'speak-first') send();
      else finishIfDone();
    });
  });
}

export async function connectMany(pod: string, args: ConnectManyArgs): Promise<ConnectManyResult> {
  const count = checkInteger('count', args.count, 1, limits.maxCount);
  const concurrency = Math.min(checkInteger('concurrency', args.concurrency ?? 1, 1, limits.maxConcurrency), count);
  const result: ConnectManyResult = { byPod: {}, byRemote: {}, ok: 0, failures: 0, errors: {} };
  const bump = (table: Record<string, number>, key: string): void => {
    table[key] = (table[key] ?? 0) + 1;
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    // each lane takes the next index until none is left: at most `count` connects in all
    while (next < count) {
      next++;
      try {
        const one = await connect(pod, { host: args.host, port: args.port, bytes: 16, expect: 'hello-echo', timeoutMs: args.timeoutMs });
        if (one.receivedSha256 !== one.sentSha256) throw new CodedError('EMISMATCH', 'the echo differs from what was sent');
        bump(result.byPod, one.hello!.pod);
        bump(result.byRemote, one.hello!.remoteAddress);
        result.ok++;
      } catch (error) {
        result.failures++;
        bump(result.errors, codeOf(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return result;
}

/** Writes the caller's bytes and half-closes, as sendPattern does with the pattern. */
function sendPayload(socket: Socket, payload: Buffer): Promise<Sent> {
  return new Promise((resolve, reject) => {
    socket.once('close', () => reject(Object.assign(new Error('the socket closed while sending'), { code: 'ECONNRESET' })));
    socket.end(payload, () => resolve({ bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') }));
  });
}

/** Splits the hello-echo server's first line off the byte stream. */
class HelloReader {
  value: Hello | undefined;
  #buffered = Buffer.alloc(0);

  /** Returns the bytes after the hello line (nothing until the line is complete). */
  feed(chunk: Buffer): Buffer {
    if (this.value) return chunk;
    this.#buffered = Buffer.concat([this.#buffered, chunk]);
    const newline = this.#buffered.indexOf(0x0a);
    if (newline < 0) {
      if (this.#buffered.length > limits.maxHelloBytes) throw new CodedError('EBADHELLO', `no hello line in the first ${limits.maxHelloBytes} bytes`);
      return Buffer.alloc(0);
    }
    try {
      this.value = JSON.parse(this.#buffered.subarray(0, newline).toString('utf8')) as Hello;
    } catch {
      throw new CodedError('EBADHELLO', 'the hello line is not JSON');
    }
    const rest = this.#buffered.subarray(newline + 1);
    this.#buffered = Buffer.alloc(0);
    return rest;
  }
}
