/**
 * One request as routing sees it, whichever of HTTP/1.1, h2c or gRPC carried
 * it: the termination (server*.ts) fills it from values its parser already
 * produced, and nothing here parses HTTP. The Gateway API matches on method,
 * path, headers and query parameters; that is all a view has.
 */
export interface RequestView {
  /** As received: methods are case-sensitive (RFC 9110 9.1), and routes name them in upper case. */
  method: string;
  /** The path without its query, as received: not decoded, not normalised. */
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
