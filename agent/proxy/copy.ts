/**
 * Bytes both ways between two sockets: back-pressure through pipe(), a FIN
 * on one side becomes a FIN (half-close) on the other, and a reset or error
 * on one side resets the other.
 */
import type { Socket } from 'node:net';

export interface CopyResult {
  /** bytes from downstream (the app) to upstream */
  sent: number;
  /** bytes from upstream back to downstream */
  received: number;
  error?: Error;
}

function finishedCleanly(socket: Socket): boolean {
  return socket.readableEnded && socket.writableFinished;
}

export function copyBidirectional(downstream: Socket, upstream: Socket): Promise<CopyResult> {
  return new Promise((resolve) => {
    const result: CopyResult = { sent: 0, received: 0 };
    let open = 2;

    downstream.on('data', (chunk: Buffer) => (result.sent += chunk.length));
    upstream.on('data', (chunk: Buffer) => (result.received += chunk.length));

    const join = (side: Socket, other: Socket) => {
      side.on('error', (error) => {
        result.error ??= error;
        if (!other.destroyed) other.resetAndDestroy();
      });
      side.on('close', () => {
        if (!other.destroyed && !finishedCleanly(side)) other.resetAndDestroy();
        if (--open === 0) resolve(result);
      });
    };
    join(downstream, upstream);
    join(upstream, downstream);

    downstream.pipe(upstream);
    upstream.pipe(downstream);
    downstream.resume();
  });
}
