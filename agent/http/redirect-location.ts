/**
 * RequestRedirect's answer: the status code and the Location header. Each
 * part the filter leaves unset comes from the request:
 *
 * - scheme: the request's (mesh traffic arrives as plain http);
 * - hostname: the Host header's, without its port;
 * - port: the filter's; if unset but a scheme is set, that scheme's
 *   well-known port (http 80, https 443); if neither is set, the port the
 *   request was sent to (a Gateway's listener port; in a mesh, the Service
 *   port);
 * - path: the path modifier applied (path-rewrite.ts), else the request's;
 *   the query is kept.
 *
 * The port is left out of Location when it is the scheme's own (80 for
 * http, 443 for https), as the spec asks.
 */
import type { RequestRedirect } from '../../model/route-types.js';
import { rewriteRequestTarget } from './path-rewrite.js';
import type { RequestView } from './request-view.js';

export interface RedirectedRequest extends Pick<RequestView, 'path' | 'query'> {
  scheme: 'http' | 'https';
  /** The Host header (HTTP/2: :authority) as received, port and all; '' when the request had none. */
  host: string;
  /** The port the request was sent to: the Service port. */
  port: number;
}

export interface Redirect {
  statusCode: RequestRedirect['statusCode'];
  location: string;
}

const WELL_KNOWN_PORT = { http: 80, https: 443 } as const;

/** "example.org:8080" -> "example.org", "[::1]:8080" -> "[::1]": the authority without its port. */
export function hostWithoutPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end < 0 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon < 0 ? authority : authority.slice(0, colon);
}

export function redirectLocation(request: RedirectedRequest, redirect: RequestRedirect, matchedPrefix: string | undefined): Redirect {
  const scheme = redirect.scheme ?? request.scheme;
  const port = redirect.port ?? (redirect.scheme ? WELL_KNOWN_PORT[redirect.scheme] : request.port);
  const hostname = redirect.hostname ?? hostWithoutPort(request.host);
  const target = rewriteRequestTarget(request, redirect.path, matchedPrefix);
  // With no host to name (an HTTP/1.0 request without Host), a relative reference (RFC 9110 10.2.2) is all that can be said.
  if (hostname === '') return { statusCode: redirect.statusCode, location: target };
  const portPart = port === WELL_KNOWN_PORT[scheme] ? '' : `:${port}`;
  return { statusCode: redirect.statusCode, location: `${scheme}://${hostname}${portPart}${target}` };
}
