/**
 * One request as routing sees it, whichever of HTTP/1.1, h2c or gRPC carried
 * it: the termination fills it from values its parser already produced
 * (llhttp, node:http2), and nothing here parses HTTP. The Gateway API
 * matches on method, path, headers and query parameters; that is all a view
 * has. It is also what is forwarded: hop-by-hop and pseudo-headers are left
 * out (they describe the client's connection, not the request).
 */
import { normalizeRequestTarget, type PathNormalization } from '../authz/normalize-path.js';
import type { DownstreamRequest } from './exchange.js';

export interface RequestView {
  /** As received: methods are case-sensitive (RFC 9110 9.1), and routes name them in upper case. */
  method: string;
  /** The path without its query, normalised (authz/normalize-path.ts): what routes match, authorization checks and the backend gets. */
  path: string;
  /** The raw query string after '?' ('' when there is none), not decoded. */
  query: string;
  /**
   * Lower-case names, each with every value it was sent with, in order (the
   * shape of node's `headersDistinct`). HTTP/2's :authority is `host` here,
   * so a Host header match (GEP-1294's advice for hostnames) works on h2c.
   */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
}

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

/** Header names a Connection header lists are hop-by-hop too. */
function connectionTokens(request: DownstreamRequest): Set<string> {
  const value = request.headers['connection'];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(text.split(',').map((token) => token.trim().toLowerCase()).filter((token) => token.length > 0));
}

function endToEndHeaders(request: DownstreamRequest): Record<string, string[]> {
  const hopByHop = connectionTokens(request);
  const headers: Record<string, string[]> = Object.create(null);
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name.startsWith(':') || hopByHopHeaders.has(name) || hopByHop.has(name)) continue;
    (headers[name] ??= []).push(raw[i + 1]!);
  }
  return headers;
}

/** The view of a request, or why its target is refused (400) before any route or policy reads it. */
export function requestView(request: DownstreamRequest, normalization: PathNormalization): RequestView | { rejected: string } {
  const headers = endToEndHeaders(request);
  let target = request.url ?? '/';
  const authority = request.headers[':authority'];
  if (typeof authority === 'string') headers['host'] = [authority];
  // absolute-form (a client that thinks it talks to a proxy): the authority is the target's
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)(.*)$/i.exec(target);
  if (absolute) {
    headers['host'] = [absolute[1]!];
    target = absolute[2] || '/';
  }
  const normalized = normalizeRequestTarget(target, normalization);
  if (!normalized.ok) return { rejected: normalized.reason };
  return { method: request.method ?? 'GET', path: normalized.path, query: normalized.query, headers };
}

/** Host, or :authority on HTTP/2 ('' when the client sent neither). */
export function authorityOf(view: RequestView): string {
  return view.headers['host']?.[0] ?? '';
}

/** The path with its query, as sent upstream. */
export function requestTarget(view: Pick<RequestView, 'path' | 'query'>): string {
  return view.query === '' ? view.path : `${view.path}?${view.query}`;
}
