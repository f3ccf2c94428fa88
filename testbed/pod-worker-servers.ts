/**
 * The worker's listeners. Every accepted connection is reported as an
 * `accepted` event; the mode decides what the server says.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Received, sendPattern } from './byte-pattern.js';
import type { Hello, ListenArgs, ListenMode, WorkerEvent } from './pod-worker-protocol.js';
import { limits } from './pod-worker-protocol.js';
import { checkInteger, CodedError } from './worker-error.js';

const modes: ListenMode[] = ['echo', 'hello-echo', 'speak-first'];
/** Bounds a connection the client forgot: nothing in a test idles this long. */
const idleTimeoutMs = 5 * 60_000;

export class Servers {
  readonly #servers = new Map<number, Server>();
  /** Connections accepted per port since the worker started: the test's own event list drops its oldest
   * events on a long run, and a flood's worth of them must still be counted exactly. */
  readonly #accepted = new Map<number, number>();

  constructor(readonly pod: string, readonly emit: (event: WorkerEvent) => void, readonly warn: (message: string) => void) {}

  async listen(args: ListenArgs): Promise<{ port: number }> {
    const requested = checkInteger('port', args.port, 0, 65535);
    if (!modes.includes(args.mode)) throw new CodedError('EINVAL', `mode must be one of ${modes.join(', ')}`);
    const bytes = args.mode === 'speak-first' ? checkInteger('bytes', args.bytes ?? 0, 0, limits.maxBytes) : 0;

    const server = createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '0.0.0.0', port: requested }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as { port: number }).port;
    server.on('error', (error) => this.warn(`server on ${port}: ${error.message}`));
    server.on('connection', (socket) => this.#accept(socket, port, args.mode, bytes));
    this.#servers.set(port, server);
    return { port };
  }

  close(port: number): { port: number } {
    const server = this.#servers.get(port);
    if (!server) throw new CodedError('ENOENT', `no listener on port ${port}`);
    server.close();
    this.#servers.delete(port);
    return { port };
  }

  /** How many connections each port's server has accepted, closed servers' included. */
  acceptedCounts(): { byPort: Record<string, number> } {
    return { byPort: Object.fromEntries([...this.#accepted].map(([port, count]) => [String(port), count])) };
  }

  closeAll(): void {
    for (const server of this.#servers.values()) server.close();
    this.#servers.clear();
  }

  #accept(socket: Socket, port: number, mode: ListenMode, bytes: number): void {
    const remoteAddress = socket.remoteAddress ?? '';
    const remotePort = socket.remotePort ?? 0;
    this.#accepted.set(port, (this.#accepted.get(port) ?? 0) + 1);
    this.emit({ event: 'accepted', port, remoteAddress, remotePort });
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    socket.on('error', (error) => this.warn(`connection ${remoteAddress}:${remotePort} on ${port}: ${error.message}`));

    if (mode === 'speak-first') return this.#speakFirst(socket, port, bytes, remoteAddress);
    if (mode === 'hello-echo') {
      const hello: Hello = { pod: this.pod, remoteAddress, remotePort };
      socket.write(`${JSON.stringify(hello)}\n`);
    }
    // pipe() keeps backpressure and end()s our side once the peer's FIN is
    // read and everything before it echoed: the half-close is preserved.
    socket.pipe(socket);
  }

  #speakFirst(socket: Socket, port: number, bytes: number, remoteAddress: string): void {
    const received = new Received();
    let sent: { bytes: number; sha256: string } | undefined;
    socket.on('data', (chunk: Buffer) => received.add(chunk));
    socket.on('end', () => {
      this.emit({
        event: 'received',
        port,
        bytes: received.bytes,
        sha256: received.digest(),
        remoteAddress,
        sentBytes: sent?.bytes,
        sentSha256: sent?.sha256,
      });
      // our side ended after the pattern; autoDestroy closes the socket now
    });
    sendPattern(socket, `speak-first:${this.pod}:${port}`, bytes).then(
      (result) => {
        sent = result;
      },
      (error: Error) => this.warn(`speak-first on ${port}: ${error.message}`),
    );
  }
}
