/**
 * The demo's sample application, one process per pod: `reviews` answers with
 * its version and the peer it saw; `frontend` calls the reviews service VIP
 * and returns both answers. Plain node:http, no mesh awareness: the mesh is
 * invisible to the app.
 */
import { createServer, request } from 'node:http';
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

function callUpstream(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = request(url, { timeout: 3000 }, (response) => {
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
      const reviews = await callUpstream(values.upstream!);
      res.end(JSON.stringify({ frontend: pod, peer, reviews }) + '\n');
    } catch (error) {
      res.statusCode = 502;
      res.end(JSON.stringify({ frontend: pod, error: (error as Error).message }) + '\n');
    }
    return;
  }
  res.end(JSON.stringify({ service: 'reviews', version: values.version, pod, peer }) + '\n');
});
server.listen(Number(values.port), '0.0.0.0', () => {
  process.stdout.write(JSON.stringify({ msg: 'listening', pod, port: Number(values.port) }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
