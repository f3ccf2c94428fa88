/**
 * The normalised request view from what Node's HTTP/1 parser (llhttp) or
 * node:http2 parsed: names lower-cased, repeated headers kept apart,
 * hop-by-hop and pseudo-headers left out (they describe the client's
 * connection, not the request, and are never forwarded), the path split
 * from its query.
 */
import type { DownstreamRequest, HeaderValues, RequestView } from './exchange.js';

/** RFC 9110 §7.6.1 and the ones HTTP/2 forbids (RFC 9113 §8.2.2). */
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

export function headerValues(rawHeaders: readonly string[], connectionTokens: ReadonlySet<string> = new Set()): HeaderValues {
  const headers: HeaderValues = new Map();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (name.startsWith(':') || hopByHopHeaders.has(name) || connectionTokens.has(name) || name === 'host') continue;
    const values = headers.get(name);
    if (values) values.push(rawHeaders[i + 1]!);
    else headers.set(name, [rawHeaders[i + 1]!]);
  }
  return headers;
}

/** Header names a Connection header lists are hop-by-hop too. */
function connectionTokens(request: DownstreamRequest): Set<string> {
  const value = request.headers['connection'];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(text.split(',').map((token) => token.trim().toLowerCase()).filter((token) => token.length > 0));
}

export function requestView(request: DownstreamRequest): RequestView {
  const target = request.url ?? '/';
  let authority = String(request.headers[':authority'] ?? request.headers.host ?? '');
  let pathAndQuery = target;
  // absolute-form (a client that thinks it talks to a proxy): the authority is the target's
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)(.*)$/i.exec(target);
  if (absolute) {
    authority = absolute[1]!;
    pathAndQuery = absolute[2] || '/';
  }
  const hash = pathAndQuery.indexOf('#');
  if (hash >= 0) pathAndQuery = pathAndQuery.slice(0, hash);
  const question = pathAndQuery.indexOf('?');
  return {
    method: request.method ?? 'GET',
    authority,
    path: question >= 0 ? pathAndQuery.slice(0, question) : pathAndQuery,
    query: question >= 0 ? pathAndQuery.slice(question + 1) : '',
    headers: headerValues(request.rawHeaders, connectionTokens(request)),
  };
}

/** The path with its query, as sent upstream. */
export function requestTarget(view: RequestView): string {
  return view.query === '' ? view.path : `${view.path}?${view.query}`;
}
