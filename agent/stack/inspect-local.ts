/**
 * A pod of this node dialled at L4 (by its IP, or through a Service port
 * that is not terminated) whose policies read HTTP: this proxy is the
 * destination's, so it parses the client's requests and authorizes each one
 * (inbound-http.ts), as the tunnel's end does for a caller on another node.
 * Bytes that are not HTTP, or a port declared opaque, go on to connect,
 * which decides once under Istio's TCP rule.
 */
import type { CertificateProvider } from '../../core/spiffe-id.js';
import type { InboundHttp } from '../http/inbound-http.js';
import { sniffProtocol } from '../http/sniff-protocol.js';
import type { ProxyConfig } from '../proxy/proxy-inputs.js';
import { localSource, type AuthorizationInputs } from './authorization.js';
import type { OutboundConnection } from './connection.js';
import { filled, type Layer } from './stack.js';

export interface InspectLocalInputs extends AuthorizationInputs {
  config: ProxyConfig;
  certificates?: CertificateProvider | undefined;
  http: InboundHttp;
  detectTimeoutMs: number;
}

export function inspectLocal(inputs: InspectLocalInputs): Layer<OutboundConnection> {
  return (next) => async (connection) => {
    const endpoint = filled(connection.candidates, 'candidates')[0];
    if (!endpoint || endpoint.workload.node !== inputs.config.nodeName) return next(connection);
    const { state } = inputs;
    if (!state.authorizer.forWorkload(endpoint.workload).needsHttp || state.opaquePodPort(endpoint.ip, endpoint.port)) return next(connection);
    const protocol = await sniffProtocol(connection.socket, inputs.detectTimeoutMs);
    if (protocol === 'closed') return void connection.socket.destroy();
    if (protocol !== 'http1' && protocol !== 'http2') return next(connection);
    const source = filled(connection.source, 'source');
    connection.endpoint = endpoint;
    await inputs.http.serve(
      connection.socket,
      { source: localSource(source, inputs.certificates), sourceWorkload: source, destination: endpoint.workload, port: endpoint.port, path: 'local' },
      protocol,
    );
  };
}
