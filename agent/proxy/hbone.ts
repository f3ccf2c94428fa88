/**
 * The wire contract of the tunnel between node proxies (Istio's HBONE):
 * mTLS 1.3 with ALPN h2 to port 15008, then one HTTP/2 CONNECT stream per
 * proxied connection, `:authority` = destination pod ip:port. Both ends of
 * the contract live here so that client and server cannot drift apart.
 */
import { isIPv4, isIPv6, isIP } from 'node:net';

export const defaultInboundPort = 15008;
export const alpnProtocol = 'h2';
/** TLS 1.3 only: every peer is a Weft proxy, so there is nothing older to talk to. */
export const tlsVersions = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;
/** CONNECT streams per pooled session before the pool opens another (ztunnel's default is 100). */
export const defaultMaxStreamsPerSession = 100;
/**
 * A pooled session with no streams for this long is closed. Long enough that
 * traffic coming back minutes later finds its session still there (each new
 * one is a TLS handshake); an idle session costs one socket per peer node.
 * ztunnel releases unused pool connections after 5 minutes too.
 */
export const defaultSessionIdleMs = 5 * 60_000;
/** HTTP/2 flow-control windows: the defaults (64 KiB) cap a tunnel well below a pod's bandwidth. */
export const streamWindowBytes = 4 * 1024 * 1024;
export const sessionWindowBytes = 16 * 1024 * 1024;

/**
 * Which certificate the server presents. The client dials the node address,
 * so the TCP destination says nothing about the pod; the SNI names the
 * destination pod's IP, and the server serves the identity its own state
 * gives that pod (a client can only choose among the node's local workloads,
 * and must verify the result anyway). IPs are not valid SNI, hence this
 * hostname form: `10-244-1-12.ipv4.hbone.weft`, `<32 hex digits>.ipv6.hbone.weft`.
 */
const sniSuffix = '.hbone.weft';

export function tunnelServerName(podIp: string): string {
  if (isIPv4(podIp)) return `${podIp.replaceAll('.', '-')}.ipv4${sniSuffix}`;
  if (isIPv6(podIp)) return `${ipv6Hex(podIp)}.ipv6${sniSuffix}`;
  throw new Error(`not an IP address: '${podIp}'`);
}

/** The pod IP a server name stands for, or undefined for any other name. */
export function parseTunnelServerName(servername: string): string | undefined {
  const match = /^([0-9a-f-]+)\.(ipv4|ipv6)\.hbone\.weft$/.exec(servername.toLowerCase());
  if (!match) return undefined;
  const [, encoded, family] = match as unknown as [string, string, string];
  if (family === 'ipv4') {
    const ip = encoded.replaceAll('-', '.');
    return isIPv4(ip) && tunnelServerName(ip) === servername ? ip : undefined;
  }
  if (!/^[0-9a-f]{32}$/.test(encoded)) return undefined;
  const ip = encoded.match(/.{4}/g)!.join(':');
  return isIPv6(ip) ? canonicalIpv6(ip) : undefined;
}

function ipv6Hex(ip: string): string {
  const [head = '', tail = ''] = ip.split('::') as [string, string?];
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = groups(tail);
  const fill = ip.includes('::') ? Array(8 - left.length - right.length).fill('0') : [];
  return [...left, ...fill, ...right].map((group) => group.padStart(4, '0')).join('').toLowerCase();
}

function canonicalIpv6(ip: string): string {
  // The URL parser writes the RFC 5952 form, the one workload configs use.
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** `:authority` of a CONNECT: `ip:port`, IPv6 in brackets. */
export function connectAuthority(ip: string, port: number): string {
  return isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function parseConnectAuthority(authority: string): { ip: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(authority);
  if (!match) return undefined;
  const ip = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (!isIP(ip) || (match[1] !== undefined) !== isIPv6(ip) || port < 1 || port > 65535) return undefined;
  return { ip: isIPv6(ip) ? canonicalIpv6(ip) : ip, port };
}

/**
 * The source pod's IP rides in `Forwarded: for=` (RFC 7239), as in HBONE.
 * It is a claim, not proof: the inbound side believes it only when state
 * says that pod's identity is the one the peer certificate proves.
 */
export function forwardedFor(ip: string): string {
  return isIPv6(ip) ? `for="[${ip}]"` : `for=${ip}`;
}

export function parseForwardedFor(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^for=(?:"\[([0-9a-fA-F:.]+)\]"|"?([0-9.]+)"?)$/.exec(header.trim());
  const ip = match?.[1] ?? match?.[2];
  if (ip === undefined || !isIP(ip)) return undefined;
  return isIPv6(ip) ? canonicalIpv6(ip) : ip;
}

/** Trace context passed through the tunnel untouched (W3C Trace Context and Baggage). */
export const passThroughHeaders = ['traceparent', 'tracestate', 'baggage'] as const;
export type TraceHeaders = Partial<Record<(typeof passThroughHeaders)[number], string>>;
