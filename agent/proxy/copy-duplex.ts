/**
 * copy.ts for any pair of byte streams, so a tunnel stream can stand on
 * either side: a TCP socket or an HTTP/2 CONNECT stream. Same rules: pipe()
 * for back-pressure, a clean end on one side becomes a half-close on the
 * other, and an abnormal close on one side resets the other. Resets map as
 * RFC 9113 §8.5 says: TCP RST <-> RST_STREAM(CONNECT_ERROR).
 */
import { constants, type Http2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface CopyEnd {
  stream: Duplex;
  /** abort the side abnormally, so its peer sees a failure rather than a clean end */
  reset(): void;
}

export interface CopyResult {
  /** bytes from downstream (the app) to upstream */
  sent: number;
  /** bytes from upstream back to downstream */
  received: number;
  error?: Error;
}

export function socketEnd(socket: Socket): CopyEnd {
  return { stream: socket, reset: () => socket.resetAndDestroy() };
}

export function http2StreamEnd(stream: Http2Stream): CopyEnd {
  return {
    stream,
    reset: () => {
      if (!stream.closed) stream.close(constants.NGHTTP2_CONNECT_ERROR);
      stream.destroy();
    },
  };
}

function finishedCleanly(stream: Duplex): boolean {
  return stream.readableEnded && stream.writableFinished;
}

export function copyDuplex(downstream: CopyEnd, upstream: CopyEnd): Promise<CopyResult> {
  return new Promise((resolve) => {
    const result: CopyResult = { sent: 0, received: 0 };
    // A side that died before the copy began would never emit 'close' again.
    if (downstream.stream.destroyed || upstream.stream.destroyed) {
      for (const end of [downstream, upstream]) if (!end.stream.destroyed) end.reset();
      resolve({ ...result, error: new Error('a side closed before the copy began') });
      return;
    }
    let open = 2;

    downstream.stream.on('data', (chunk: Buffer) => (result.sent += chunk.length));
    upstream.stream.on('data', (chunk: Buffer) => (result.received += chunk.length));

    const join = (side: CopyEnd, other: CopyEnd) => {
      side.stream.on('error', (error) => {
        result.error ??= error;
        if (!other.stream.destroyed) other.reset();
      });
      side.stream.on('close', () => {
        if (!other.stream.destroyed && !finishedCleanly(side.stream)) other.reset();
        if (--open === 0) resolve(result);
      });
    };
    join(downstream, upstream);
    join(upstream, downstream);

    downstream.stream.pipe(upstream.stream);
    upstream.stream.pipe(downstream.stream);
    downstream.stream.resume();
  });
}
