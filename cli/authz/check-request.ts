/**
 * The HTTP half of the AuthzRequest, built the way the proxy builds it from
 * a parsed request: the path through the same normalisation it forwards
 * (so the check reads what the backend would be handed), header names
 * lower-case, a repeated header kept as several values.
 */
import type { AuthzRequest } from '../../agent/authz/authz-request.js';
import { normalizeRequestTarget, type PathNormalization } from '../../agent/authz/normalize-path.js';
import type { PortProtocol } from '../../model/port-protocol.js';
import type { HttpFlags } from './check-flags.js';

export type HttpPart = NonNullable<AuthzRequest['http']>;

export type BuiltHttp = { ok: true; http: HttpPart } | { ok: false; status: 400; reason: string };

export function buildHttp(flags: HttpFlags, mode: PathNormalization, protocol: PortProtocol | undefined): BuiltHttp {
  const normalized = normalizeRequestTarget(flags.path ?? '/', mode);
  if (!normalized.ok) return normalized;
  const headers: Record<string, string[]> = {};
  for (const [name, value] of flags.headers) (headers[name.toLowerCase()] ??= []).push(value);
  const host = flags.host ?? headers.host?.[0] ?? '';
  // A real HTTP/1.1 request carries its Host as a header too, which request.headers[host] conditions read.
  if (flags.host !== undefined && headers.host === undefined) headers.host = [flags.host];
  // Every gRPC call is a POST; elsewhere an unsaid method is curl's GET.
  const method = flags.method ?? (protocol === 'grpc' ? 'POST' : 'GET');
  return { ok: true, http: { method, path: normalized.path, host, headers } };
}

/**
 * Whether the proxy would read HTTP on this port. A port declared TCP (or
 * named opaque) is never parsed, so HTTP fields there are dropped and the
 * TCP rules decide (Istio's fail-closed rule, compile-rule.ts); an HTTP port
 * is always parsed; an undeclared one is HTTP when the client speaks it.
 */
export function readsHttp(protocol: PortProtocol | undefined, httpGiven: boolean): { http: boolean; note?: string } {
  if (protocol === 'tcp') {
    return httpGiven
      ? { http: false, note: 'the HTTP fields were not used: the port is TCP (declared or opaque), so the proxy never parses HTTP there and TCP rules decide' }
      : { http: false };
  }
  if (protocol === 'http1' || protocol === 'http2' || protocol === 'grpc') return { http: true };
  return { http: httpGiven };
}
