import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DiscoveryServer } from '../../control-plane/server/discovery-server.js';
import { memoryLog, twoNodeMesh, waitFor } from '../../control-plane/server/test-fixtures.js';
import { AgentMetrics } from '../../agent/metrics.js';
import { XdsClient } from '../../agent/xds/xds-client.js';
import { bindXdsMetrics } from '../../agent/xds/xds-metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-xds-client-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function serve(t: { after(fn: () => unknown): void }, name: string, version: string) {
  const server = new DiscoveryServer({ log: memoryLog().log });
  t.after(() => server.close());
  const address = await server.listen(`unix:${join(dir, name)}`);
  server.update(twoNodeMesh(), version);
  return { server, address };
}

test('metrics follow the connection and a numeric system version', async (t) => {
  const { server, address } = await serve(t, 'metrics.sock', '7');
  const metrics = new AgentMetrics();
  const client = new XdsClient({ address, node: { name: 'node-1', ip: '192.168.0.1' }, log: memoryLog().log, backoff: { baseMs: 50, capMs: 200 } });
  t.after(() => client.close());
  const unbind = bindXdsMetrics(client, metrics);
  const value = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value;
  assert.equal(await value('weft_control_plane_connected'), 0);
  client.start();
  await waitFor('connected', () => client.state === 'connected');
  assert.equal(await value('weft_control_plane_connected'), 1);
  assert.equal(await value('weft_config_version'), 7);
  await server.close();
  await waitFor('disconnected', () => client.state !== 'connected');
  assert.equal(await value('weft_control_plane_connected'), 0);
  assert.equal(await value('weft_config_version'), 7, 'the config in force is still version 7');
  unbind();
});

test("a listener that throws is the agent's problem: the client logs it and still ACKs", async (t) => {
  const { server, address } = await serve(t, 'throws.sock', 'v1');
  const { log, records } = memoryLog();
  const client = new XdsClient({ address, node: { name: 'node-1', ip: '192.168.0.1' }, log });
  t.after(() => client.close());
  client.onConfig(() => {
    throw new Error('apply failed');
  });
  client.start();
  await waitFor('the ACK', () => server.connectedNodes().find((n) => n.ackedVersion === 'v1'));
  assert.ok(records.some((r) => r.msg === 'an xds client listener threw' && r.err?.message === 'apply failed'));
  assert.equal(client.state, 'connected');
});

test('close stops reconnecting and keeps the config readable', async (t) => {
  const { server, address } = await serve(t, 'close.sock', 'v1');
  const client = new XdsClient({ address, node: { name: 'node-1', ip: '192.168.0.1' }, log: memoryLog().log });
  client.start();
  await waitFor('synced', () => client.config);
  client.close();
  assert.equal(client.state, 'disconnected');
  await waitFor('the server to see it go', () => server.connectedNodes().length === 0);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(server.connectedNodes().length, 0, 'no reconnect after close');
  assert.equal(client.config?.services.length, 2);
  client.start(); // a closed client stays closed
  assert.equal(client.state, 'disconnected');
});
