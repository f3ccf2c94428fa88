/**
 * A node that never had config (no usable cache) and cannot reach its control
 * plane enrols nothing: it does not know which of its pods are meshed. It
 * must say so rather than be silent, so while it waits for the first config
 * the readiness and status ports answer plainly: /healthz/ready 503 with the
 * reason, /metrics, and a /status that `weft status` renders as NOT READY.
 *
 * They answer on the agent's reserved sockets (agent/system/port-reservation.ts)
 * without taking them: each connection the reserved socket accepts is handed
 * to a handler here until the wait ends, and the agent's own servers take the
 * sockets over after, as they would have anyway.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { Logger } from '../../core/log.js';
import type { AgentMetrics } from '../metrics.js';
import { statusHandler, type AgentStatus } from './admin-server.js';

export interface WaitingEndpointsInputs {
  node: string;
  nodeIp: string;
  metrics: AgentMetrics;
  /** The reserved metrics and admin sockets; one that is absent is not answered on. */
  sockets: { metrics?: Server | undefined; admin?: Server | undefined };
  configSource: () => AgentStatus['configSource'];
  /** Why the cache was not used, when there was one. */
  cacheProblem?: string;
  log: Logger;
}

export function noConfigMessage(controlPlane: string): string {
  return `no config: this node has no usable cached config and the control plane ${controlPlane} has not answered; no pod on this node is enrolled, so meshed pods here are not protected until it does`;
}

/** Starts answering; returns what stops it (and closes the connections it served). */
export function openWaitingEndpoints(inputs: WaitingEndpointsInputs): () => Promise<void> {
  const since = new Date().toISOString();
  const startedAt = Date.now();
  const source = inputs.configSource();
  const message = noConfigMessage(source.kind === 'control-plane' ? source.address : '');
  const health = createHttpServer(async (request, response) => {
    if (request.url === '/metrics') {
      response.setHeader('content-type', inputs.metrics.registry.contentType);
      response.end(await inputs.metrics.registry.metrics());
    } else if (request.url === '/healthz/ready') {
      response.statusCode = 503;
      response.end(`not ready: ${message}\n`);
    } else {
      response.statusCode = 404;
      response.end('not found\n');
    }
  });
  const status = (): AgentStatus => ({
    node: inputs.node,
    nodeIp: inputs.nodeIp,
    configSource: inputs.configSource(),
    noConfig: { since, message, ...(inputs.cacheProblem ? { cacheProblem: inputs.cacheProblem } : {}) },
    configVersion: 'none',
    workloads: [],
    datapath: { redirected: '0', paired: '0' },
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    notEnforced: [],
  });
  const admin = createHttpServer(statusHandler(status));
  const stops = [serveOn(inputs.sockets.metrics, health), serveOn(inputs.sockets.admin, admin)];
  // Every first start waits a moment for its control plane: that is a warning; still waiting after a while is an error.
  inputs.log.warn({ since }, `not ready: ${message}`);
  const stillWaiting = setTimeout(() => inputs.log.error({ since }, `still not ready: ${message}`), stillWaitingMs);
  stillWaiting.unref();
  return async () => {
    clearTimeout(stillWaiting);
    for (const stop of stops) stop();
  };
}

/** How long a wait for the first config is normal (a control plane starting, a slow network). */
export const stillWaitingMs = 10_000;

/**
 * Hands what `reserved` accepts to `server` until the returned function is called, which also
 * ends those connections: a kept-alive one would otherwise go on getting "not ready" from here.
 * (An http.Server that never listened does not track its connections, so this does.)
 */
function serveOn(reserved: Server | undefined, server: HttpServer): () => void {
  if (!reserved) return () => {};
  const open = new Set<Socket>();
  server.prependListener('request', (_request, response) => response.setHeader('connection', 'close'));
  const hand = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    server.emit('connection', socket);
  };
  reserved.on('connection', hand);
  return () => {
    reserved.off('connection', hand);
    for (const socket of open) socket.destroy();
  };
}
