/**
 * What the echo app answers, the same document for HTTP/1.1, HTTP/2 and gRPC:
 * the JSON body of an HTTP answer, the `message` of a gRPC one. It says who
 * answered (pod, namespace, version, port) and what arrived, as it arrived.
 */

export interface EchoAnswer {
  pod: string;
  namespace: string;
  /** the service version the echo was started with (v1, v2, ...) */
  version: string;
  /** the port the request arrived on */
  port: number;
  kind: 'http' | 'grpc';
  /** the wire protocol: HTTP/1.0, HTTP/1.1 or HTTP/2 (gRPC is HTTP/2) */
  protocol: string;
  method: string;
  /** with the query string; for gRPC the method's path, /proto.EchoTestService/Echo */
  path: string;
  /** Host, or :authority on HTTP/2 */
  host: string;
  /** every request header as received: lowercase name -> values in arrival order
   * (HTTP/2 pseudo-headers included; gRPC binary values base64) */
  headers: Record<string, string[]>;
  clientAddress: string;
  clientPort: number;
  /** the x-request-id header, when there was one */
  requestId?: string;
  /** how many requests with this x-request-id the echo has seen, this one included */
  attempt?: number;
  /** this request's place on its connection (HTTP/2: its session), 1 for the first */
  requestOnConnection?: number;
  /** request body bytes received (gRPC: of this message) */
  bodyBytes: number;
  /** gRPC: the request message's `message` */
  message?: string;
  /** gRPC streams: this answer's place in its stream, 1 for the first */
  sequence?: number;
  /** gRPC ClientStream: how many requests the client streamed */
  received?: number;
  /** the HTTP status or gRPC code answered */
  status: number;
}

/** The echo's answer in a body, or undefined when the body is not one. */
export function parseEchoAnswer(text: string): EchoAnswer | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as Partial<EchoAnswer>;
    return typeof value.pod === 'string' && typeof value.version === 'string' ? (value as EchoAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** rawHeaders (name, value, name, value, ...) as lowercase name -> values. */
export function headersAsReceived(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    (headers[name] ??= []).push(rawHeaders[i + 1]!);
  }
  return headers;
}
