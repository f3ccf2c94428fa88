/** Port 15020: Prometheus metrics and readiness, as Istio's agent serves them. */
import { createServer, type Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import type { AgentMetrics } from '../metrics.js';
import { listenOn } from '../system/port-reservation.js';

export class HealthServer {
  readonly #server: Server;
  ready = false;

  /** `detail`: a line added to the readiness answer, saying plainly what the node runs on (or why it is not ready). */
  constructor(metrics: AgentMetrics, private readonly host: string, private readonly port: number, detail?: () => string | undefined) {
    this.#server = createServer(async (request, response) => {
      if (request.url === '/metrics') {
        response.setHeader('content-type', metrics.registry.contentType);
        response.end(await metrics.registry.metrics());
      } else if (request.url === '/healthz/ready') {
        response.statusCode = this.ready ? 200 : 503;
        const line = detail?.();
        response.end(`${this.ready ? 'ready' : 'not ready'}${line ? `: ${line}` : ''}\n`);
      } else {
        response.statusCode = 404;
        response.end('not found\n');
      }
    });
  }

  async run(reserved?: NetServer): Promise<void> {
    await listenOn(this.#server, reserved, { host: this.host, port: this.port });
  }

  close(): void {
    this.#server.close();
    this.#server.closeAllConnections();
  }
}
