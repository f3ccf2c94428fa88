/**
 * copy.ts for any pair of byte streams, so a tunnel stream can stand on
 * either side: a TCP socket or an HTTP/2 CONNECT stream. Same rules: pipe()
 * for back-pressure, a clean end on one side becomes a half-close on the
 * other, and an abnormal close on one side resets the other. Resets map as
 * RFC 9113 §8.5 has it, TCP RST <-> RST_STREAM, but with the code Node can
 * send alone (INTERNAL_ERROR; see http2StreamEnd); any RST_STREAM received
 * is a reset.
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

export type CopySide = 'downstream' | 'upstream';

/**
 * A passive observer of a copy (the HTTP observer): it sees every chunk in
 * order before it is forwarded, and how each side stopped sending. It never
 * changes or holds bytes; one that throws is dropped and the copy goes on.
 */
export interface CopyTap {
  data(side: CopySide, chunk: Buffer): void;
  /** once per side: its stream ended cleanly (EOF) or not (error, reset, close without EOF) */
  ended(side: CopySide, clean: boolean): void;
}

export function socketEnd(socket: Socket): CopyEnd {
  return {
    stream: socket,
    // After a FIN the kernel cannot send an RST (libuv answers EINVAL and the
    // socket would never close): a half-closed socket is just closed.
    reset: () => (socket.writableEnded ? socket.destroy() : socket.resetAndDestroy()),
  };
}

export function http2StreamEnd(stream: Http2Stream): CopyEnd {
  return {
    stream,
    // Not close(CONNECT_ERROR): Node's close() sends END_STREAM before the RST_STREAM, and a peer
    // that has half-closed too then sees a clean end and drops the RST. A destroy with an error
    // sends the RST_STREAM alone (code INTERNAL_ERROR), which the peer's copy maps to a TCP reset.
    reset: () => {
      if (!stream.destroyed) stream.destroy(new Error('the other side of the proxied connection was reset'));
    },
  };
}

/**
 * Whether a side stopped abnormally. An HTTP/2 stream whose session died
 * (the peer proxy's forced drain, a lost node) emits 'end' without an error,
 * but closes with RST_STREAM CANCEL already set: that is a cut, and must
 * reach the other side as a reset, never as a clean FIN that leaves a
 * half-open client waiting for an answer.
 */
function aborted(stream: Duplex): boolean {
  if (stream.errored) return true;
  const code = (stream as Partial<Http2Stream>).rstCode;
  return code !== undefined && code !== constants.NGHTTP2_NO_ERROR;
}

/**
 * pipe() with the end forwarded one turn late: an HTTP/2 stream emits 'end'
 * before the RST_STREAM that aborts it, and a reset must reach the other
 * side as a reset, not as the clean FIN an immediate end() would send.
 */
function forward(from: CopyEnd, to: CopyEnd): void {
  from.stream.pipe(to.stream, { end: false });
  from.stream.once('end', () =>
    setImmediate(() => {
      if (aborted(from.stream) || to.stream.destroyed || to.stream.writableEnded) return;
      to.stream.end();
    }),
  );
}

function finishedCleanly(stream: Duplex): boolean {
  return stream.readableEnded && stream.writableFinished && !aborted(stream);
}

export function copyDuplex(downstream: CopyEnd, upstream: CopyEnd, tap?: CopyTap): Promise<CopyResult> {
  return new Promise((resolve) => {
    const result: CopyResult = { sent: 0, received: 0 };
    let observer = tap;
    const ended = new Set<CopySide>();
    const observe = (call: (tap: CopyTap) => void) => {
      if (!observer) return;
      try {
        call(observer);
      } catch {
        observer = undefined; // a broken observer must not break the copy
      }
    };
    const sideEnded = (side: CopySide, clean: boolean) => {
      if (ended.has(side)) return;
      ended.add(side);
      observe((t) => t.ended(side, clean));
    };
    // A side that died before the copy began would never emit 'close' again.
    if (downstream.stream.destroyed || upstream.stream.destroyed) {
      for (const end of [downstream, upstream]) if (!end.stream.destroyed) end.reset();
      sideEnded('downstream', false);
      sideEnded('upstream', false);
      resolve({ ...result, error: new Error('a side closed before the copy began') });
      return;
    }
    let open = 2;

    downstream.stream.on('data', (chunk: Buffer) => {
      result.sent += chunk.length;
      observe((t) => t.data('downstream', chunk));
    });
    upstream.stream.on('data', (chunk: Buffer) => {
      result.received += chunk.length;
      observe((t) => t.data('upstream', chunk));
    });

    const join = (name: CopySide, side: CopyEnd, other: CopyEnd) => {
      // One turn late, as forward(): an HTTP/2 stream's 'end' may be followed by its reset.
      side.stream.on('end', () => setImmediate(() => sideEnded(name, !aborted(side.stream))));
      side.stream.on('error', (error) => {
        result.error ??= error;
        sideEnded(name, false);
        if (!other.stream.destroyed) other.reset();
      });
      side.stream.on('close', () => {
        sideEnded(name, side.stream.readableEnded && !aborted(side.stream));
        if (!other.stream.destroyed && !finishedCleanly(side.stream)) other.reset();
        if (--open === 0) resolve(result);
      });
    };
    join('downstream', downstream, upstream);
    join('upstream', upstream, downstream);

    forward(downstream, upstream);
    forward(upstream, downstream);
    downstream.stream.resume();
  });
}
