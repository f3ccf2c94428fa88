import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentStatus } from '../../agent/admin/admin-server.js';
import { renderStatus } from './status-command.js';

const status: AgentStatus = {
  node: 'node-1',
  nodeIp: '10.10.0.1',
  configSource: { kind: 'directory', dir: '/etc/weft' },
  configVersion: '7',
  workloads: [{ namespace: 'shop', name: 'reviews-v1', ip: '10.244.1.12', enrolled: true }],
  datapath: { redirected: '3', paired: '3' },
  uptimeSeconds: 12,
  notEnforced: [
    { kind: 'HTTPRoute', namespace: 'shop', name: 'db-route', why: 'attached only to TCP ports' },
  ],
};

test('weft status lists the objects the proxy accepts but does not enforce yet, under their own heading', () => {
  const text = renderStatus(status);
  assert.match(text, /\nNOT ENFORCED \(accepted, distributed, not acted on by this proxy yet\)\n  HTTPRoute shop\/db-route\n/);
});

test('weft status has no such heading when everything it holds is enforced', () => {
  assert.doesNotMatch(renderStatus({ ...status, notEnforced: [] }), /NOT ENFORCED/);
});

test('weft status says how many connections the proxy holds, its limits, and the busiest pod', () => {
  const text = renderStatus({
    ...status,
    connectionLimits: { descriptors: 19_000, perSource: 2375, descriptorsInUse: 4752, topSources: [{ source: '10.244.1.7', connections: 2375 }] },
  });
  assert.match(text, /\nconnections 4752 of 19000 descriptors in use, at most 2375 per pod; busiest 10\.244\.1\.7 \(2375\)\n/);
});

test('weft status says plainly when the agent runs on the cached config, and when it has none', () => {
  const stale = { file: '/var/lib/weft/agent/config-node-1.json', version: '7', receivedAt: '2026-12-04T03:00:00.000Z', reason: 'the control plane has not answered since this agent started' };
  const onCache = renderStatus({ ...status, configSource: { kind: 'control-plane', address: 'unix:/cp.sock', state: 'connecting', stale } });
  assert.match(onCache, /\nSTALE {7}the node's cached config \(received 2026-12-04T03:00:00.000Z, \/var\/lib\/weft\/agent\/config-node-1.json\): the control plane has not answered/);
  assert.match(onCache, /refused until it does\n/);
  assert.doesNotMatch(renderStatus(status), /STALE|NOT READY/);
  const none = renderStatus({
    ...status,
    configVersion: 'none',
    workloads: [],
    configSource: { kind: 'control-plane', address: 'unix:/cp.sock', state: 'connecting' },
    noConfig: { since: '2026-12-04T03:00:00.000Z', message: 'no config: nothing enrolled', cacheProblem: 'the cached config /x is not used: not JSON' },
  });
  assert.match(none, /\nNOT READY {3}no config: nothing enrolled \(waiting since 2026-12-04T03:00:00.000Z\)\n {12}the cached config \/x is not used: not JSON\n/);
});

test('weft status says how plaintext callers from outside the mesh reach each enrolled pod', () => {
  const text = renderStatus({
    ...status,
    workloads: [
      { namespace: 'shop', name: 'reviews-v1', ip: '10.244.1.12', enrolled: true, inbound: 'captured' },
      { namespace: 'shop', name: 'idle', ip: '10.244.1.13', enrolled: true, inbound: 'refused (fail closed: no process of the pod)' },
    ],
  });
  assert.match(text, /\nWORKLOAD {32}IP {15}ENROLLED  PLAINTEXT INBOUND\n/);
  assert.match(text, /\nshop\/reviews-v1 {25}10\.244\.1\.12 {6}yes {7}captured\n/);
  assert.match(text, /\nshop\/idle {31}10\.244\.1\.13 {6}yes {7}refused \(fail closed: no process of the pod\)\n/);
});
