/**
 * The demo's sample application, one process per pod: `reviews` answers with
 * its version and the peer it saw; `frontend` calls the reviews service VIP
 * and returns both answers. Plain node:http, no mesh awareness: the mesh is
 * invisible to the app. Like any traced app, frontend passes the W3C trace
 * context it received (traceparent, baggage) on to its upstream call; the
 * mesh only carries it, and reviews echoes what arrived.
 */
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    pod: { type: 'string' },
    version: { type: 'string', default: 'v1' },
    port: { type: 'string' },
    upstream: { type: 'string' },
  },
});
const pod = values.pod ?? 'unknown';
const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });

const traceContextHeaders = ['traceparent', 'tracestate', 'baggage'] as const;

function traceContext(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of traceContextHeaders) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

function callUpstream(url: string, headers: Record<string, string>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // One kept-alive connection for every call: the mesh still splits the calls per request.
    const call = request(url, { timeout: 3000, headers, agent: keepAlive }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString()));
        } catch (error) {
          reject(error);
        }
      });
    });
    call.on('timeout', () => call.destroy(new Error(`${url} timed out`)));
    call.on('error', reject);
    call.end();
  });
}

const server = createServer(async (req, res) => {
  const peer = req.socket.remoteAddress;
  res.setHeader('content-type', 'application/json');
  if (values.role === 'frontend') {
    try {
      const reviews = await callUpstream(values.upstream!, traceContext(req.headers));
      res.end(JSON.stringify({ frontend: pod, peer, reviews }) + '\n');
    } catch (error) {
      res.statusCode = 502;
      res.end(JSON.stringify({ frontend: pod, error: (error as Error).message }) + '\n');
    }
    return;
  }
  res.end(JSON.stringify({ service: 'reviews', version: values.version, pod, peer, ...traceContext(req.headers) }) + '\n');
});
server.listen(Number(values.port), '0.0.0.0', () => {
  process.stdout.write(JSON.stringify({ msg: 'listening', pod, port: Number(values.port) }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
