/** Port 15020: Prometheus metrics and readiness, as Istio's agent serves them. */
import { createServer, type Server } from 'node:http';
import type { AgentMetrics } from '../metrics.js';

export class HealthServer {
  readonly #server: Server;
  ready = false;

  constructor(metrics: AgentMetrics, private readonly host: string, private readonly port: number) {
    this.#server = createServer(async (request, response) => {
      if (request.url === '/metrics') {
        response.setHeader('content-type', metrics.registry.contentType);
        response.end(await metrics.registry.metrics());
      } else if (request.url === '/healthz/ready') {
        response.statusCode = this.ready ? 200 : 503;
        response.end(this.ready ? 'ready\n' : 'not ready\n');
      } else {
        response.statusCode = 404;
        response.end('not found\n');
      }
    });
  }

  async run(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.host, port: this.port }, () => resolve());
    });
  }

  close(): void {
    this.#server.close();
    this.#server.closeAllConnections();
  }
}
