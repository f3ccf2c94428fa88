/**
 * A node waiting for its first config with no cache answers on the agent's
 * reserved sockets (not ready, and why), and the agent's own servers take
 * the same sockets over when the wait ends.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { AgentMetrics } from '../metrics.js';
import { PortReservation } from '../system/port-reservation.js';
import { AdminServer, type AgentStatus } from './admin-server.js';
import { HealthServer } from './health-server.js';
import { openWaitingEndpoints } from './waiting-endpoints.js';

const portOf = (server: Server | undefined) => (server!.address() as { port: number }).port;

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: response.status, body: await response.text() };
}

test('not ready, and why, on the reserved sockets; then the agent\'s servers answer on the same ports', async () => {
  const ports = await PortReservation.bind([
    { name: 'metrics', purpose: 'metrics and readiness', host: '127.0.0.1', port: 0 },
    { name: 'admin', purpose: 'the status endpoint', host: '127.0.0.1', port: 0 },
  ]);
  const metrics = new AgentMetrics();
  const metricsPort = portOf(ports.peek('metrics'));
  const adminPort = portOf(ports.peek('admin'));
  const stop = openWaitingEndpoints({
    node: 'node-1',
    nodeIp: '127.0.0.1',
    metrics,
    sockets: { metrics: ports.peek('metrics'), admin: ports.peek('admin') },
    configSource: () => ({ kind: 'control-plane', address: 'unix:/cp.sock', state: 'connecting' }),
    cacheProblem: 'the cached config /x is not used: not JSON',
    log: pino({ level: 'silent' }),
  });
  const health = new HealthServer(metrics, '127.0.0.1', metricsPort);
  const admin = new AdminServer(() => ({ node: 'node-1', configVersion: '9' }) as AgentStatus, adminPort);
  try {
    const waiting = await get(metricsPort, '/healthz/ready');
    assert.equal(waiting.status, 503);
    assert.match(waiting.body, /^not ready: no config: this node has no usable cached config and the control plane unix:\/cp.sock has not answered; no pod on this node is enrolled/);
    assert.match((await get(metricsPort, '/metrics')).body, /\nweft_config_stale 0\n/);
    const status = JSON.parse((await get(adminPort, '/status')).body) as AgentStatus;
    assert.equal(status.configVersion, 'none');
    assert.deepEqual(status.workloads, []);
    assert.equal(status.noConfig?.cacheProblem, 'the cached config /x is not used: not JSON');

    await stop();
    await health.run(ports.take('metrics'));
    await admin.run(ports.take('admin'));
    health.ready = true;
    assert.deepEqual(await get(metricsPort, '/healthz/ready'), { status: 200, body: 'ready\n' });
    assert.equal(JSON.parse((await get(adminPort, '/status')).body).configVersion, '9');
  } finally {
    health.close();
    admin.close();
    ports.release();
  }
});
