/**
 * Port 15020: Prometheus metrics and readiness, as Istio's agent serves them.
 * Every pod can reach it (it listens on the node IP), so it is bounded like
 * the proxy: a few connections per source, a cap in all, and idle ones
 * closed, so that a pod holding thousands of idle connections here cannot
 * take readiness and metrics away from the kubelet and Prometheus.
 */
import { createServer, type Server } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { Logger } from '../../core/log.js';
import { LogThrottle } from '../../core/log-throttle.js';
import type { AgentMetrics } from '../metrics.js';
import { limitLogIntervalMs } from '../telemetry/limit-log.js';
import { listenOn } from '../system/port-reservation.js';

export interface HealthServerLimits {
  /** connections one source address may hold (a scraper needs one, a prober one per probe) */
  perSource: number;
  maxConnections: number;
  /** a connection that sends nothing this long is closed */
  idleMs: number;
}

export const defaultHealthServerLimits: HealthServerLimits = { perSource: 16, maxConnections: 256, idleMs: 10_000 };

export interface HealthServerOptions {
  log?: Logger;
  /** a line added to the readiness answer, saying plainly what the node runs on (or why it is not ready) */
  detail?: () => string | undefined;
  limits?: HealthServerLimits;
}

export class HealthServer {
  private readonly log: Logger | undefined;
  private readonly limits: HealthServerLimits;
  readonly #server: Server;
  readonly #bySource = new Map<string, number>();
  readonly #throttle = new LogThrottle(limitLogIntervalMs);
  #open = 0;
  ready = false;

  constructor(
    private readonly metrics: AgentMetrics,
    private readonly host: string,
    private readonly port: number,
    options: HealthServerOptions = {},
  ) {
    this.log = options.log;
    this.limits = options.limits ?? defaultHealthServerLimits;
    const detail = options.detail;
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
    // Without a 'timeout' listener, Node destroys a socket idle this long.
    this.#server.timeout = this.limits.idleMs;
    this.#server.on('connection', (socket: Socket) => this.#admit(socket));
  }

  async run(reserved?: NetServer): Promise<void> {
    await listenOn(this.#server, reserved, { host: this.host, port: this.port });
  }

  close(): void {
    this.#server.close();
    this.#server.closeAllConnections();
  }

  #admit(socket: Socket): void {
    const source = socket.remoteAddress ?? '';
    const held = this.#bySource.get(source) ?? 0;
    if (held >= this.limits.perSource || this.#open >= this.limits.maxConnections) {
      socket.destroy();
      this.metrics.proxy.refused.inc({ reason: 'metrics_connection_limit' });
      const heldBack = this.#throttle.take('metrics');
      if (heldBack !== undefined) {
        this.log?.warn({ listener: 'metrics', reason: 'metrics_connection_limit', src: { addr: source }, limit: this.limits, heldBack }, 'connection refused: a connection limit was reached');
      }
      return;
    }
    this.#open++;
    this.#bySource.set(source, held + 1);
    socket.once('close', () => {
      this.#open--;
      const left = (this.#bySource.get(source) ?? 1) - 1;
      if (left === 0) this.#bySource.delete(source);
      else this.#bySource.set(source, left);
    });
  }
}
