/**
 * The discovery API end to end: a real DiscoveryServer and real XdsClients
 * over Unix sockets in a temp dir. Assertions are on what the client received
 * (its 'response' events name every resource sent) and on the server's logs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type ResponseInfo, XdsClient, type XdsState } from '../../agent/xds/xds-client.js';
import { weftV1 } from '../../api/load-protos.js';
import { formatIssue } from '../../model/issues.js';
import { loadManifests } from '../../control-plane/manifests/load-manifests.js';
import { everyFieldManifests } from '../../control-plane/manifests/policy-fixtures.js';
import type { Service, Workload } from '../../model/types.js';
import { DiscoveryServer } from '../../control-plane/server/discovery-server.js';
import { memoryLog, mesh, nextEvent, service, twoNodeMesh, waitFor } from '../../control-plane/server/test-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-xds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let sockets = 0;
const socketAddress = () => `unix:${join(dir, `cp-${++sockets}.sock`)}`;

interface Harness {
  server: DiscoveryServer;
  serverLog: ReturnType<typeof memoryLog>;
  address: string;
}

async function startServer(t: { after(fn: () => unknown): void }, address = socketAddress(), limits = {}): Promise<Harness> {
  const serverLog = memoryLog();
  const server = new DiscoveryServer({ log: serverLog.log, limits });
  t.after(() => server.close());
  await server.listen(address);
  return { server, serverLog, address };
}

interface ClientHarness {
  client: XdsClient;
  responses: ResponseInfo[];
  states: XdsState[];
}

function startClient(t: { after(fn: () => unknown): void }, address: string, node = 'node-1'): ClientHarness {
  const client = new XdsClient({
    address,
    node: { name: node, ip: node === 'node-1' ? '192.168.0.1' : '192.168.0.2' },
    log: memoryLog('warn').log,
    agentVersion: 'test',
    backoff: { baseMs: 50, capMs: 400 },
  });
  const responses: ResponseInfo[] = [];
  const states: XdsState[] = [];
  client.on('response', (info) => responses.push(info));
  client.on('state', (state) => states.push(state));
  t.after(() => client.close());
  client.start();
  return { client, responses, states };
}

const byName = <T extends { namespace: string; name: string }>(list: readonly T[], name: string) =>
  list.find((item) => `${item.namespace}/${item.name}` === name);
const names = (list: readonly { namespace: string; name: string }[]) => list.map((item) => `${item.namespace}/${item.name}`).sort();
const nodeAcked = (server: DiscoveryServer, node: string, version: string) =>
  server.connectedNodes().find((n) => n.name === node && n.ackedVersion === version);

test('initial sync: the agent gets its scope as a full MeshConfig, and ACKs it', async (t) => {
  const { server, address } = await startServer(t);
  server.update(twoNodeMesh(), 'v1');
  const { client, responses } = startClient(t, address);
  const [update] = await nextEvent<[{ version: string; config: ReturnType<typeof twoNodeMesh> }]>(client, 'config');

  assert.equal(update.version, 'v1');
  assert.equal(client.state, 'connected');
  assert.equal(client.version, 'v1');
  assert.deepEqual(names(update.config.services), ['shop/ratings', 'shop/reviews']);
  assert.deepEqual(names(update.config.workloads), ['shop/client-1', 'shop/ratings-2', 'shop/reviews-1', 'shop/reviews-2']);
  assert.deepEqual(byName(update.config.services, 'shop/reviews')?.ports, [
    { name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP', appProtocol: 'http' },
  ]);
  assert.equal(responses.length, 1);
  assert.equal(responses[0]?.removed.length, 0);

  const acked = await waitFor('node-1 to ACK v1', () => nodeAcked(server, 'node-1', 'v1'));
  assert.equal(acked.ip, '192.168.0.1');
  assert.equal(acked.agentVersion, 'test');
  assert.ok(acked.connectedSince instanceof Date);
  assert.deepEqual(acked.rejected, []);
});

test("per-node scoping: node-1 never receives node-2's cgroup, uid or qosClass, nor workloads outside any Service", async (t) => {
  const { server, address } = await startServer(t);
  server.update(twoNodeMesh(), 'v1');
  const one = startClient(t, address, 'node-1');
  const two = startClient(t, address, 'node-2');
  await waitFor('both nodes to sync', () => one.client.config && two.client.config);

  const seen1 = one.client.config!.workloads as (Workload & { uid?: string; qosClass?: string })[];
  for (const w of seen1.filter((w) => w.node !== 'node-1')) {
    assert.equal(w.cgroup, undefined, `${w.name}: another node's cgroup`);
    assert.equal(w.uid, undefined, `${w.name}: another node's uid`);
    assert.equal(w.qosClass, undefined, `${w.name}: another node's qosClass`);
  }
  assert.equal(byName(seen1, 'shop/reviews-1')?.cgroup, '/weft/node-1/reviews-1', 'its own workloads come whole');
  assert.equal(byName(seen1, 'shop/lonely-2'), undefined, 'neither local nor an endpoint');
  assert.equal(byName(seen1, 'shop/ratings-2')?.ip, '10.0.2.11', 'endpoints carry their address');

  const seen2 = two.client.config!.workloads as (Workload & { uid?: string; qosClass?: string })[];
  assert.deepEqual(names(seen2), ['shop/lonely-2', 'shop/ratings-2', 'shop/reviews-1', 'shop/reviews-2']);
  assert.equal(byName(seen2, 'shop/ratings-2')?.uid, 'a1b2c3d4-0000-4000-8000-000000000001');
  assert.equal(byName(seen2, 'shop/ratings-2')?.qosClass, 'Burstable');
  assert.equal(byName(seen2, 'shop/client-1'), undefined, 'client-1 backs no Service');
  assert.equal(byName(seen2, 'shop/reviews-1')?.cgroup, undefined);
  assert.deepEqual(server.connectedNodes().map((n) => n.name).sort(), ['node-1', 'node-2']);
});

test('incremental update: only the changed resource travels; an unrelated change is a version-only response', async (t) => {
  const { server, address } = await startServer(t);
  const config = twoNodeMesh();
  server.update(config, 'v1');
  const { client, responses } = startClient(t, address);
  await waitFor('node-1 to ACK v1', () => nodeAcked(server, 'node-1', 'v1'));

  const changed = structuredClone(config);
  const reviews = changed.services.find((s) => s.name === 'reviews')!;
  reviews.ports = [{ name: 'http', port: 80, targetPort: 9080, protocol: 'TCP' }];
  server.update(changed, 'v2');
  await waitFor('node-1 to ACK v2', () => nodeAcked(server, 'node-1', 'v2'));
  assert.deepEqual(responses.at(-1), { nonce: responses.at(-1)!.nonce, version: 'v2', resources: ['Service/shop/reviews'], removed: [], rejected: [] });
  assert.equal(byName(client.config!.services, 'shop/reviews')?.ports[0]?.port, 80);
  assert.equal(client.version, 'v2');

  // lonely-2 is outside node-1's scope: node-1 learns only the new version.
  const unrelated = structuredClone(changed);
  unrelated.workloads.find((w) => w.name === 'lonely-2')!.ip = '10.0.2.99';
  let configEvents = 0;
  client.on('config', () => configEvents++);
  server.update(unrelated, 'v3');
  await waitFor('node-1 to ACK v3', () => nodeAcked(server, 'node-1', 'v3'));
  assert.deepEqual(responses.at(-1)?.resources, []);
  assert.deepEqual(responses.at(-1)?.removed, []);
  assert.equal(configEvents, 0, 'nothing changed, so no config event');
  assert.equal(client.version, 'v3');
  assert.equal(responses.length, 3);
});

test('removal: a Service removed takes its now unreachable endpoints with it', async (t) => {
  const { server, address } = await startServer(t);
  const config = twoNodeMesh();
  server.update(config, 'v1');
  const { client, responses } = startClient(t, address);
  await waitFor('node-1 to ACK v1', () => nodeAcked(server, 'node-1', 'v1'));

  server.update({ ...config, services: config.services.filter((s) => s.name !== 'ratings') }, 'v2');
  await waitFor('node-1 to ACK v2', () => nodeAcked(server, 'node-1', 'v2'));
  const last = responses.at(-1)!;
  assert.deepEqual(last.resources, []);
  assert.deepEqual([...last.removed].sort(), ['Service/shop/ratings', 'Workload/shop/ratings-2']);
  assert.deepEqual(names(client.config!.services), ['shop/reviews']);
  assert.equal(byName(client.config!.workloads, 'shop/ratings-2'), undefined);
});

test('NACK: a resource the agent rejects is named with its reason, logged by the server, not resent; the old version stays', async (t) => {
  const { server, serverLog, address } = await startServer(t);
  const config = twoNodeMesh();
  server.update(config, 'v1');
  const { client, responses } = startClient(t, address);
  await waitFor('node-1 to ACK v1', () => nodeAcked(server, 'node-1', 'v1'));

  const bad = structuredClone(config);
  bad.services.find((s) => s.name === 'reviews')!.clusterIP = '10.96.0.300';
  bad.services.find((s) => s.name === 'ratings')!.ports[0]!.port = 8080; // a good change in the same response
  const rejectedEvent = nextEvent(client, 'rejected');
  server.update(bad, 'v2');
  const [errors] = await rejectedEvent;
  assert.deepEqual(
    (errors as { name: string }[]).map((e) => e.name),
    ['Service/shop/reviews'],
  );
  assert.match((errors as { message: string }[])[0]!.message, /clusterIp.*10\.96\.0\.300.*IPv4/);

  const warning = await waitFor('the server to log the NACK', () => serverLog.records.find((r) => r.msg?.includes('NACK')));
  assert.equal(warning.node, 'node-1');
  assert.equal(warning.version, 'v2');
  assert.equal(warning.error.code, 3);
  assert.deepEqual(warning.resourceErrors.map((e: { name: string }) => e.name), ['Service/shop/reviews']);
  assert.match(warning.resourceErrors[0].message, /10\.96\.0\.300/);

  assert.equal(byName(client.config!.services, 'shop/reviews')?.clusterIP, '10.96.0.10', 'the last good version stays');
  assert.equal(byName(client.config!.services, 'shop/ratings')?.ports[0]?.port, 8080, 'the rest of the response applied');
  assert.deepEqual(server.connectedNodes()[0]?.rejected, ['Service/shop/reviews']);
  assert.equal(server.connectedNodes()[0]?.ackedVersion, 'v1', 'a NACKed response is not an ACK');

  // The same bad content under a new system version is not sent again.
  server.update(bad, 'v3');
  await waitFor('node-1 to ACK v3', () => nodeAcked(server, 'node-1', 'v3'));
  assert.deepEqual(responses.at(-1)?.resources, []);
  assert.equal(serverLog.records.filter((r) => r.msg?.includes('NACK')).length, 1);

  // A fixed version is.
  server.update(config, 'v4');
  await waitFor('node-1 to ACK v4', () => nodeAcked(server, 'node-1', 'v4'));
  // The agent already holds the fixed reviews (it kept that version): only ratings travels.
  assert.deepEqual(responses.at(-1)?.resources, ['Service/shop/ratings']);
  assert.equal(byName(client.config!.services, 'shop/reviews')?.clusterIP, '10.96.0.10');
  assert.deepEqual(server.connectedNodes()[0]?.rejected, []);
});

test('control plane restart: the agent keeps its config, reconnects with backoff and receives only the differences', async (t) => {
  const address = socketAddress();
  const first = await startServer(t, address);
  const config = twoNodeMesh();
  first.server.update(config, 'v1');
  const { client, responses, states } = startClient(t, address);
  await waitFor('node-1 to ACK v1', () => nodeAcked(first.server, 'node-1', 'v1'));
  const held = Object.keys(client.resourceVersions()).length;

  await first.server.close();
  await waitFor('the client to notice', () => client.state !== 'connected');
  // Down for a while: attempts fail and back off; the config stays.
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(client.config?.services.length, 2, 'the last good config stays while disconnected');
  assert.equal(client.version, 'v1');
  const attemptsWhileDown = states.filter((s) => s === 'connecting').length - 1;
  assert.ok(attemptsWhileDown >= 2 && attemptsWhileDown <= 12, `retried with backoff (${attemptsWhileDown} attempts in 600 ms)`);

  const second = await startServer(t, address);
  const changed = structuredClone(config);
  changed.services.find((s) => s.name === 'reviews')!.selector = { app: 'reviews', version: 'v2' };
  changed.workloads.find((w) => w.name === 'reviews-2')!.labels.version = 'v2';
  changed.services = changed.services.filter((s) => s.name !== 'ratings');
  second.server.update(changed, 'v2');
  const before = responses.length;
  await waitFor('node-1 to ACK v2 on the new server', () => nodeAcked(second.server, 'node-1', 'v2'), 5_000);

  const connected = second.serverLog.records.find((r) => r.msg === 'agent connected');
  assert.equal(connected?.initialResources, held, 'the agent announced what it held');
  assert.equal(responses.length, before + 1);
  assert.deepEqual(responses.at(-1)?.resources, ['Service/shop/reviews', 'Workload/shop/reviews-2']);
  // ratings-2 backs no Service any more: out of node-1's scope. reviews-1 no longer matches but is local: kept.
  assert.deepEqual([...responses.at(-1)!.removed].sort(), ['Service/shop/ratings', 'Workload/shop/ratings-2']);
  assert.equal(byName(client.config!.workloads, 'shop/reviews-1')?.cgroup, '/weft/node-1/reviews-1');
  assert.equal(client.state, 'connected');
  assert.equal(client.version, 'v2');
});

test('garbage bytes and half-open connections neither crash the server nor stall a real agent', async (t) => {
  const { server, address } = await startServer(t, socketAddress(), {
    keepaliveTimeMs: 300,
    keepaliveTimeoutMs: 300,
    maxConnectionIdleMs: 500,
  });
  server.update(twoNodeMesh(), 'v1');
  const path = address.slice('unix:'.length);
  const raw: { socket: Socket; closed: Promise<void> }[] = [];
  const open = (payload?: Buffer) => {
    const socket = connect(path);
    socket.on('error', () => {});
    socket.resume(); // read, so that the server's close is seen
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (payload) socket.write(payload);
    raw.push({ socket, closed });
  };
  t.after(() => raw.forEach(({ socket }) => socket.destroy()));
  for (let i = 0; i < 8; i++) open(randomBytes(4096));
  for (let i = 0; i < 4; i++) open(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), randomBytes(512)]));
  for (let i = 0; i < 4; i++) open(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  for (let i = 0; i < 8; i++) open(); // connect and say nothing: half-open as far as HTTP/2 goes

  const started = Date.now();
  const { client } = startClient(t, address);
  await waitFor('a real agent to sync', () => client.config, 2_000);
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 1_000, `synced in ${elapsed} ms despite ${raw.length} bad connections`);

  // The server drops them all: garbage at once, silent ones by keepalive or idle timeout.
  const closedAll = Promise.all(raw.map(({ closed }) => closed));
  await Promise.race([closedAll, new Promise((_, reject) => setTimeout(() => reject(new Error('bad connections still open after 3 s')), 3_000))]);
  assert.equal(client.state, 'connected', 'the real agent, streaming, is not idle and keeps its stream');
  const again = startClient(t, address, 'node-2');
  await waitFor('a second agent to sync afterwards', () => again.client.config, 2_000);
});

test('a new stream from the same node replaces the old one', async (t) => {
  const { server, serverLog, address } = await startServer(t);
  server.update(twoNodeMesh(), 'v1');
  const first = startClient(t, address);
  await waitFor('the first stream to sync', () => nodeAcked(server, 'node-1', 'v1'));
  const firstEnded = nextEvent(first.client, 'state', (state) => state === 'disconnected');
  const second = startClient(t, address);
  await firstEnded;
  first.client.close(); // two agents claiming one node would take turns; the first one goes away
  await waitFor('the second stream to sync', () => second.client.config);
  await waitFor('one stream for node-1', () => server.connectedNodes().length === 1 && nodeAcked(server, 'node-1', 'v1'));
  assert.ok(serverLog.records.some((r) => r.msg?.includes('replaces its previous one') && r.node === 'node-1'));
});

test('a stream whose first request names no node is ended with INVALID_ARGUMENT', async (t) => {
  const { server, address } = await startServer(t);
  server.update(twoNodeMesh(), 'v1');
  const client = new (weftV1().MeshDiscovery)(address, grpc.credentials.createInsecure());
  t.after(() => client.close());
  const call = client.Stream();
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.on('error', () => {});
  call.on('data', () => assert.fail('no config for an anonymous stream'));
  call.write({ initialResourceVersions: {} });
  const { code, details } = await status;
  assert.equal(code, grpc.status.INVALID_ARGUMENT);
  assert.match(details, /node\.name/);
  assert.deepEqual(server.connectedNodes(), []);
});

test('update before any agent connects and close with agents connected are both fine', async (t) => {
  const { server, address } = await startServer(t);
  const { client } = startClient(t, address);
  await waitFor('the stream to open', () => server.connectedNodes().length === 1);
  assert.equal(client.state, 'connecting', 'no config yet: connected means synced');
  server.update(mesh({ services: [service('shop', 'reviews', '10.96.0.10', 'reviews') as Service] }), '1');
  await waitFor('the late config', () => client.config);
  assert.equal(client.state, 'connected');
  await server.close();
  await waitFor('the agent to see the server go', () => client.state !== 'connected');
  assert.equal(client.config?.services.length, 1);
});

test('a frozen agent (SIGSTOP: connection up, nobody answering) is dropped by keepalive; live agents are unaffected', async (t) => {
  const { server, serverLog, address } = await startServer(t, socketAddress(), { keepaliveTimeMs: 200, keepaliveTimeoutMs: 200 });
  server.update(twoNodeMesh(), 'v1');
  const clientModule = new URL('../../agent/xds/xds-client.js', import.meta.url).href;
  const script = `
    import { XdsClient } from ${JSON.stringify(clientModule)};
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const client = new XdsClient({ address: ${JSON.stringify(address)}, node: { name: 'node-frozen', ip: '192.168.0.9' }, log: quiet });
    client.on('state', (state) => console.log(state));
    client.start();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  await waitFor('the child agent to sync', () => nodeAcked(server, 'node-frozen', 'v1'), 5_000);
  const live = startClient(t, address);
  await waitFor('node-1 to sync', () => nodeAcked(server, 'node-1', 'v1'));

  child.kill('SIGSTOP');
  const config = twoNodeMesh();
  config.services[0]!.ports[0]!.port = 81;
  server.update(config, 'v2');
  await waitFor('node-1 to ACK v2 while node-frozen hangs', () => nodeAcked(server, 'node-1', 'v2'), 1_000);
  await waitFor('the server to drop node-frozen', () => !server.connectedNodes().some((n) => n.name === 'node-frozen'), 3_000);
  assert.ok(serverLog.records.some((r) => r.msg === 'agent disconnected' && r.node === 'node-frozen'));
  assert.equal(live.client.state, 'connected');
  assert.ok(nodeAcked(server, 'node-1', 'v2'), 'the live agent kept its stream (it answers pings)');
});

test('an oversized request is refused without harm to the server', async (t) => {
  const { server, address } = await startServer(t, socketAddress(), { maxReceiveMessageBytes: 4096 });
  server.update(twoNodeMesh(), 'v1');
  const client = new (weftV1().MeshDiscovery)(address, grpc.credentials.createInsecure());
  t.after(() => client.close());
  const call = client.Stream();
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.on('error', () => {});
  const versions = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`Workload/shop/w-${i}`, 'x'.repeat(16)]));
  call.write({ node: { name: 'node-big', ip: '192.168.0.8' }, initialResourceVersions: versions });
  assert.equal((await status).code, grpc.status.RESOURCE_EXHAUSTED);
  const { client: agent } = startClient(t, address);
  await waitFor('a normal agent to sync', () => agent.config, 2_000);
});

test('every kind travels: a config with routes, policies and namespaces arrives as it was loaded', async (t) => {
  const { config, issues } = loadManifests([{ file: 'every-field.yaml', text: everyFieldManifests }]);
  assert.deepEqual(issues.filter((i) => i.severity === 'error').map(formatIssue), []);
  const { server, address } = await startServer(t);
  server.update(config, 'v1');
  const node = config.workloads[0]?.node ?? 'node-1';
  const { client } = startClient(t, address, node);
  await waitFor('the config', () => client.config);
  const strip = (list: readonly { source: unknown }[]) => list.map(({ source: _source, ...rest }) => rest);
  const received = client.config!;
  for (const key of ['httpRoutes', 'grpcRoutes', 'authorizationPolicies', 'peerAuthentications', 'namespaces', 'services'] as const) {
    assert.ok(config[key].length > 0 || key === 'namespaces', `the fixture has ${key}`);
    const byKey = (list: readonly { source: unknown }[]) =>
      strip(list).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    assert.deepEqual(byKey(received[key]), byKey(config[key]), key);
  }
});
