/**
 * HTTP/1.1 upgrades (WebSocket, h2c upgrade is not offered): the request is
 * routed like any other (same route table, same filters, same endpoint
 * choice), sent on a connection of its own (an upgraded connection is never
 * pooled), and once the endpoint answers 101 the two byte streams are
 * joined as on the L4 path. Any other answer is passed back and the
 * connection closed, as Node's server expects after an 'upgrade' event.
 */
import { request as http1Request, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { openEndpointTransport, type TransportInputs } from '../proxy/endpoint-transport.js';
import { copyDuplex, http2StreamEnd, socketEnd, type CopyEnd } from '../proxy/copy-duplex.js';
import type { Workload } from '../../model/types.js';
import type { Endpoint } from '../state/destination.js';
import type { LocalReply } from './local-reply.js';
import { authorityOf, requestTarget, type RequestView } from './request-view.js';

/** A response head written by hand on the raw socket Node hands over with 'upgrade' (generated, never parsed). */
function writeHead(socket: Duplex, status: number, rawHeaders: readonly string[]): void {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  socket.write(`${head}\r\n`);
}

export function replyOnUpgrade(socket: Duplex, reply: LocalReply): void {
  const body = `${reply.message}\n`;
  const headers = ['content-type', 'text/plain', 'content-length', String(Buffer.byteLength(body)), 'connection', 'close'];
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers.push(name, value);
  writeHead(socket, reply.status, headers);
  socket.end(body);
}

function withoutConnection(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() !== 'connection') kept.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  return kept;
}

function endOf(stream: Duplex): CopyEnd {
  return 'resetAndDestroy' in stream ? socketEnd(stream as Socket) : http2StreamEnd(stream as never);
}

export interface UpgradeOutcome {
  status: number;
  error?: Error;
}

/** Sends the upgrade request to `endpoint` and, on 101, copies both ways until either side ends. */
export async function proxyUpgrade(
  inputs: TransportInputs,
  source: Workload,
  endpoint: Endpoint,
  request: IncomingMessage,
  view: RequestView,
  client: Socket,
  head: Buffer,
): Promise<UpgradeOutcome> {
  let transport: Awaited<ReturnType<typeof openEndpointTransport>>;
  try {
    transport = await openEndpointTransport(inputs, source, endpoint);
  } catch (error) {
    replyOnUpgrade(client, { status: 503, flags: 'UF', message: `upstream connect error: ${(error as Error).message}` });
    return { status: 503, error: error as Error };
  }
  const duplex: Duplex = transport.kind === 'socket' ? transport.socket : transport.stream;
  const headers: OutgoingHttpHeaders = {};
  for (const [name, values] of Object.entries(view.headers)) if (values && name !== 'host') headers[name] = values.length === 1 ? values[0] : [...values];
  headers['host'] = authorityOf(view);
  // The view leaves hop-by-hop headers out; an upgrade is the one request that needs its two.
  headers['connection'] = 'Upgrade';
  headers['upgrade'] = String(request.headers.upgrade ?? '');
  return new Promise((resolve) => {
    const upstream = http1Request({ createConnection: () => duplex, method: view.method, path: requestTarget(view), headers, setHost: false });
    upstream.once('upgrade', (response: IncomingMessage, upgraded: Duplex, upstreamHead: Buffer) => {
      writeHead(client, response.statusCode ?? 101, response.rawHeaders);
      if (upstreamHead.length > 0) client.write(upstreamHead);
      if (head.length > 0) upgraded.write(head);
      void copyDuplex(socketEnd(client), endOf(upgraded)).then((result) => resolve({ status: response.statusCode ?? 101, ...(result.error ? { error: result.error } : {}) }));
    });
    upstream.once('response', (response: IncomingMessage) => {
      writeHead(client, response.statusCode ?? 502, [...withoutConnection(response.rawHeaders), 'connection', 'close']);
      response.pipe(client);
      response.once('end', () => resolve({ status: response.statusCode ?? 502 }));
      response.once('error', (error) => resolve({ status: response.statusCode ?? 502, error }));
    });
    upstream.once('error', (error) => {
      if (!client.destroyed) replyOnUpgrade(client, { status: 503, flags: 'UC', message: `upstream reset before the upgrade answer: ${error.message}` });
      duplex.destroy();
      resolve({ status: 503, error });
    });
    upstream.end();
  });
}
