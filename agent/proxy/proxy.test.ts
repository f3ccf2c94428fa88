/** The hub on 127.0.0.1: which listeners it runs with and without certificates, what status() shows, and the drain. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { Drain } from '../drain.js';
import { StaticCertificateProvider, TestCa } from '../identity/testing/test-ca.js';
import { AgentMetrics } from '../metrics.js';
import { ProxyState } from '../state/proxy-state.js';
import { Proxy } from './proxy.js';
import type { ProxyInputs } from './proxy-inputs.js';
import { captureLog } from './testing/tunnel-testbed.js';

function inputs(log = captureLog()): ProxyInputs {
  return {
    config: { nodeName: 'node-1', nodeIp: '127.0.0.1', outboundPort: 0, inboundPort: 0, connectTimeoutMs: 1_000, connectAttempts: 1 },
    state: new ProxyState(),
    sources: { resolve: () => undefined },
    originalDestinations: { takeOriginalDestination: () => null },
    metrics: new AgentMetrics(),
    log: log.log,
  };
}

test('without certificates: only the outbound listener, no pool, an empty status', async () => {
  const { log, lines } = captureLog();
  const drain = new Drain();
  const proxy = new Proxy({ ...inputs(), log }, drain);
  await proxy.run();
  const addresses = proxy.addresses();
  assert.ok(addresses.outbound.port > 0);
  assert.equal(addresses.inbound, undefined);
  assert.deepEqual(proxy.status(), {});
  assert.ok(lines.some((l) => /no certificate provider/.test(String(l.msg))));
  await drain.drain(0);
});

test('with certificates: both listeners and the pool, in status(); a refused connection is counted through the telemetry', async () => {
  const ca = await TestCa.create({ trustDomain: 'cluster.local' });
  const base = inputs();
  const drain = new Drain();
  const proxy = new Proxy({ ...base, certificates: new StaticCertificateProvider(ca) }, drain);
  await proxy.run();
  const { outbound, inbound } = proxy.addresses();
  assert.ok(inbound && inbound.port > 0 && inbound.port !== outbound.port);
  assert.deepEqual(proxy.status(), { tunnels: [], inboundSessions: [] });

  // No redirect record for it: refused by the first layer, reset, counted.
  const socket = connect({ host: '127.0.0.1', port: outbound.port });
  await new Promise<void>((resolve) => socket.on('error', () => resolve()).on('close', () => resolve()));
  const refused = (await base.metrics.registry.getSingleMetric('weft_connections_refused_total')!.get()).values;
  assert.deepEqual(refused.map((v) => [v.labels.reason, v.value]), [['no_original_destination', 1]]);
  assert.deepEqual(await drain.drain(100), { forced: 0 });
});
