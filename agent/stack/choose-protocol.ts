/**
 * Which path a connection to a Service port takes: HTTP ports (declared by
 * appProtocol or the port name, or found on the first bytes where the port
 * declares nothing) are terminated and proxied per request; the rest stay
 * on the L4 path, untouched. Server-first ports and ports declared TCP are
 * never read; an undeclared port whose client says nothing within the
 * detect timeout is TCP. A pod dialled by its IP stays L4 (routes never
 * apply to it; the observer still reports its HTTP/1 requests).
 */
import type { ProxyState } from '../state/proxy-state.js';
import { sniffProtocol } from '../http/sniff-protocol.js';
import type { OutboundConnection } from './connection.js';
import { filled, type Handler, type Layer } from './stack.js';

export interface ChooseProtocolInputs {
  /** how long an undeclared port waits for the client's first bytes */
  detectTimeoutMs: number;
  /** each Service port's protocol */
  state: ProxyState;
}

export function chooseProtocol(inputs: ChooseProtocolInputs, terminate: Handler<OutboundConnection>): Layer<OutboundConnection> {
  return (next) => async (connection) => {
    const destination = filled(connection.destination, 'destination');
    if (destination.kind !== 'service') return next(connection);
    const { service, port } = destination;
    const declared = inputs.state.portProtocol(service, port);
    if (declared === 'tcp') return next(connection);
    // HTTP declared: the client speaks first, so waiting is free; undeclared: bounded, then TCP.
    const sniffed = await sniffProtocol(connection.socket, declared === 'detect' ? inputs.detectTimeoutMs : undefined);
    if (sniffed === 'closed') return void connection.socket.destroy();
    if (sniffed === 'http1' || sniffed === 'http2') {
      connection.http = { declared, client: sniffed };
      return terminate(connection);
    }
    return next(connection);
  };
}
