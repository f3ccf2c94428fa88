/**
 * Whether to watch the connection for HTTP/1: an observer that sniffs the
 * client's first bytes during the copy (http-sniff.ts) and, if they are a
 * request line, reports each request on weft:http:request. The bytes are
 * copied untouched either way. Nobody subscribed: no observer, no parsing.
 */
import { HttpObserver } from '../proxy/http-observer.js';
import { channels } from '../telemetry/events.js';
import type { OutboundConnection } from './connection.js';
import type { Layer } from './stack.js';

export function detectProtocol(): Layer<OutboundConnection> {
  return (next) => (connection) => {
    if (channels.httpRequest.hasSubscribers || channels.httpObserveError.hasSubscribers) {
      const { scope } = connection;
      connection.protocol = new HttpObserver({
        onRequest: (request) => {
          if (channels.httpRequest.hasSubscribers) channels.httpRequest.publish({ scope, connection, request });
        },
        onError: (error, side) => {
          if (channels.httpObserveError.hasSubscribers) channels.httpObserveError.publish({ scope, connection, error, side });
        },
      });
    }
    return next(connection);
  };
}
