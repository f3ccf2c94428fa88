/**
 * A node that never had config (no usable cache) and cannot reach its control
 * plane enrols nothing: it does not know which of its pods are meshed. It
 * must say so rather than be silent, so while it waits for the first config
 * the readiness and status ports answer plainly: /healthz/ready 503 with the
 * reason, /metrics, and a /status that `weft status` renders as NOT READY.
 * They close before the agent's own servers bind the same ports.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '../../core/log.js';
import type { AgentMetrics } from '../metrics.js';
import { AdminServer, type AgentStatus } from './admin-server.js';
import { HealthServer } from './health-server.js';

export interface WaitingEndpointsInputs {
  node: string;
  nodeIp: string;
  metricsPort: number;
  adminPort: number;
  metrics: AgentMetrics;
  configSource: () => AgentStatus['configSource'];
  /** Why the cache was not used, when there was one. */
  cacheProblem?: string;
  log: Logger;
}

export function noConfigMessage(controlPlane: string): string {
  return `no config: this node has no usable cached config and the control plane ${controlPlane} has not answered; no pod on this node is enrolled, so meshed pods here are not protected until it does`;
}

/** Opens both; returns what closes them. A port that cannot be bound is logged, not fatal: the agent's own server reports it later. */
export function openWaitingEndpoints(inputs: WaitingEndpointsInputs): () => Promise<void> {
  const since = new Date().toISOString();
  const startedAt = Date.now();
  const source = inputs.configSource();
  const message = noConfigMessage(source.kind === 'control-plane' ? source.address : '');
  const health = new HealthServer(inputs.metrics, inputs.nodeIp, inputs.metricsPort, () => message);
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
  const admin = new AdminServer(status, inputs.adminPort);
  const opened = Promise.all([
    health.run().catch((error: Error) => inputs.log.warn({ err: error }, 'cannot serve readiness while waiting for the first config')),
    admin.run().catch((error: Error) => inputs.log.warn({ err: error }, 'cannot serve status while waiting for the first config')),
  ]);
  inputs.log.error({ since }, `not ready: ${message}`);
  return async () => {
    await opened;
    health.close();
    admin.close();
    // close() releases the listening sockets on the loop's next turn; the agent's servers bind after.
    await nextTurn();
  };
}
