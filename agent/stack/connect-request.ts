/** An inbound stream must be a plain CONNECT to a pod ip:port (the inbound side's original destination). */
import { parseConnectAuthority } from '../proxy/hbone.js';
import { InboundRefusedError } from '../proxy/tunnel-errors.js';
import { header, type InboundConnection } from './connection.js';
import type { Layer } from './stack.js';

export function connectRequest(): Layer<InboundConnection> {
  return (next) => (connection) => {
    const { headers, authority } = connection;
    const method = header(headers, ':method');
    if (method !== 'CONNECT') throw new InboundRefusedError('tunnel_bad_request', 405, `only CONNECT is served, not ${method}`);
    if (header(headers, ':protocol') !== undefined) throw new InboundRefusedError('tunnel_bad_request', 400, 'extended CONNECT is not served');
    const target = parseConnectAuthority(authority);
    if (!target) throw new InboundRefusedError('tunnel_bad_request', 400, `':authority' must be a pod ip:port, not '${authority}'`);
    connection.target = target;
    return next(connection);
  };
}
