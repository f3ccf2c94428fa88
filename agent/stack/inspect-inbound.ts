/**
 * A CONNECT stream to a workload whose policies read HTTP: the stream is
 * accepted (200) without dialling the pod, and its first bytes decide. HTTP
 * is parsed and every request authorized on its own (inbound-http.ts);
 * anything else is opaque TCP, decided once under Istio's TCP rule (an ALLOW
 * rule that needs HTTP matches nothing, a DENY rule loses its HTTP fields):
 * a denial resets the stream, an allowance goes on to the pod with the bytes
 * read put back.
 */
import { constants } from 'node:http2';
import { sniffProtocol } from '../http/sniff-protocol.js';
import type { InboundHttp } from '../http/inbound-http.js';
import { authorize, type AuthorizationInputs } from './authorization.js';
import type { InboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

export interface InspectInboundInputs extends AuthorizationInputs {
  http: InboundHttp;
  /** how long a caller that says nothing is waited for before its bytes count as TCP */
  detectTimeoutMs: number;
}

export function inspectInbound(inputs: InspectInboundInputs): Layer<InboundConnection> {
  return (next) => async (connection) => {
    const caller = connection.caller;
    if (!caller) return next(connection);
    const { workload, port } = filled(connection.destination, 'destination');
    const { stream } = connection;
    stream.respond({ ':status': 200 });
    const protocol = await sniffProtocol(stream, inputs.detectTimeoutMs);
    if (protocol === 'closed') return void stream.destroy();
    if (protocol === 'http1' || protocol === 'http2') {
      await inputs.http.serve(stream, { source: caller, ...(connection.source ? { sourceWorkload: connection.source } : {}), destination: workload, port, path: 'tunnel' }, protocol);
      return;
    }
    const request = { source: caller, destination: { ip: workload.ip, port } };
    if (!authorize(inputs, workload, request, 'tunnel').allowed) return void stream.close(constants.NGHTTP2_REFUSED_STREAM);
    connection.authorization = { request, path: 'tunnel' };
    return next(connection);
  };
}
