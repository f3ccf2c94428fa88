/**
 * What an authorization decision reads, built by the proxy from the
 * connection (and, on an HTTP port, the request). Absent is meaningful:
 * a plaintext caller has no principal or namespace, an opaque TCP port has
 * no `http`, and a rule testing an absent attribute never matches its
 * values (ztunnel's rbac.rs builds the same kind of request).
 */
export interface AuthzRequest {
  source: {
    ip: string;
    /** The peer's SPIFFE ID, `spiffe://td/ns/x/sa/y`; undefined for a plaintext (unauthenticated) caller. */
    principal?: string;
    /** From the principal; undefined for a plaintext caller. */
    namespace?: string;
  };
  destination: { ip: string; port: number };
  /** The TLS server name the client asked for, if the connection is TLS the proxy can read. */
  sni?: string;
  /**
   * Present only when the proxy parsed the connection as HTTP. The path is
   * normalised (normalize-path.ts) and has no query; header names are lower-case.
   */
  http?: {
    method: string;
    path: string;
    host: string;
    headers: Readonly<Record<string, readonly string[] | undefined>>;
  };
}
