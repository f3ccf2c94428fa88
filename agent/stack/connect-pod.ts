/**
 * Dial the local pod from the node IP, then answer the CONNECT with 200:
 * the client learns its stream is connected only once it is, and only after
 * every check above this layer passed.
 *
 * A stream the peer has reset is never dialled (HTTP/2 rapid reset,
 * CVE-2023-44487: a flooder opens and cancels streams faster than a pod can
 * take connections, and each dial is one more connection the pod accepts).
 * The stream is checked after a turn of the event loop, again once a dial
 * slot is free (the session's and the peer's caps, dial-gate.ts), and after
 * the dial; a reset while waiting leaves the queue, a reset while dialling
 * aborts the dial.
 */
import type { ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { connectUpstream } from '../proxy/connect-upstream.js';
import { socketEnd } from '../proxy/copy-duplex.js';
import type { ReleaseDial } from '../proxy/dial-gate.js';
import type { ProxyConfig } from '../proxy/proxy-inputs.js';
import { DialSessionClosedError, InboundRefusedError } from '../proxy/tunnel-errors.js';
import type { InboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

/** Reset by the peer (RST_STREAM sets `closed` at once; `destroyed` may come a turn later) or torn down with its session. */
function gone(stream: ServerHttp2Stream): boolean {
  return stream.closed || stream.destroyed;
}

export function connectPod(inputs: { config: ProxyConfig }): Layer<InboundConnection> {
  return (next) => async (connection) => {
    const { workload, port } = filled(connection.destination, 'destination');
    const { nodeIp, connectTimeoutMs } = inputs.config;
    const { stream } = connection;
    // nghttp2 hands a stream's HEADERS to JS and our microtasks run before it parses the RST_STREAM
    // that arrived in the same read, so a check in this turn sees a live stream; one turn later every
    // frame read with the HEADERS has been processed.
    await nextTurn();
    if (gone(stream)) return;
    const reset = new AbortController();
    const onClose = () => reset.abort(new Error('the peer reset the stream'));
    stream.once('aborted', onClose);
    stream.once('close', onClose);
    let release: ReleaseDial | undefined;
    let upstream: Socket;
    try {
      if (connection.dials) release = await connection.dials.acquire(reset.signal);
      if (gone(stream)) return;
      upstream = await connectUpstream(workload.ip, port, nodeIp, connectTimeoutMs, reset.signal);
    } catch (error) {
      // The peer gave up while the stream waited or while we dialled, or its session is being closed.
      if (reset.signal.aborted || error instanceof DialSessionClosedError) return;
      if (error instanceof InboundRefusedError) throw error;
      throw new InboundRefusedError('tunnel_upstream_connect_failed', 503, `${connection.authority}: ${(error as Error).message}`);
    } finally {
      release?.(); // a slot is for a dial in flight, not for the connection's life
      stream.off('aborted', onClose);
      stream.off('close', onClose);
    }
    if (gone(stream)) {
      upstream.destroy(); // the peer gave up as the dial completed
      return;
    }
    if (!stream.headersSent) stream.respond({ ':status': 200 }); // inspect-inbound may have answered already
    connection.upstream = socketEnd(upstream);
    return next(connection);
  };
}
