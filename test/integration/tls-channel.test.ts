/**
 * The agent <-> control plane channel on TCP is TLS: the control plane
 * serves a certificate from its own CA, and an agent connects only when it
 * verifies it against the mesh's roots under the expected name. Real TLS on
 * 127.0.0.1:0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { CaClient } from '../../agent/identity/ca-client.js';
import { ControlPlaneChannel } from '../../agent/identity/control-plane-channel.js';
import { ControlPlaneTlsError } from '../../agent/identity/identity-errors.js';
import { newWorkloadKey } from '../../core/workload-key.js';
import { XdsClient } from '../../agent/xds/xds-client.js';
import { memoryLog, twoNodeMesh, waitFor } from '../../control-plane/server/test-fixtures.js';
import { NodeTokenFile } from '../../control-plane/auth/node-tokens.js';
import { generateRootCa } from '../../control-plane/ca/root-ca.js';
import { ServingCertificate } from '../../control-plane/ca/serving-certificate.js';
import { startTestControlPlane, type TestControlPlane } from '../../control-plane/ca/test-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-ca-tls-'));
let cp: TestControlPlane;
let tokenFile: string;
let bundle: string;

before(async () => {
  const stateDir = join(dir, 'state');
  const { token } = await new NodeTokenFile(stateDir).create('node-1');
  tokenFile = join(dir, 'node-1.token');
  writeFileSync(tokenFile, token);
  cp = await startTestControlPlane({ listen: '127.0.0.1:0', log: memoryLog('warn').log, config: twoNodeMesh(), security: { stateDir } });
  bundle = cp.security.ca.trustBundlePem;
});
after(async () => {
  await cp.close();
  rmSync(dir, { recursive: true, force: true });
});

function xds(t: { after(fn: () => unknown): void }, channel: ControlPlaneChannel): XdsClient {
  const client = new XdsClient({ address: channel.address, node: { name: 'node-1', ip: '127.0.0.1' }, log: memoryLog('fatal').log, backoff: { baseMs: 50, capMs: 200 }, channel });
  t.after(() => client.close());
  return client.start();
}

test('the control plane listens with TLS and node token authentication on TCP', () => {
  assert.match(cp.address, /^127\.0\.0\.1:\d+$/);
  assert.equal(cp.security.auth.mode, 'token');
});

test('an agent with the mesh root syncs and gets certificates over TLS', async (t) => {
  const channel = new ControlPlaneChannel({ address: cp.address, caPem: bundle, tokenFile });
  assert.equal(channel.tls, true);
  const client = xds(t, channel);
  await waitFor('synced over TLS', () => client.state === 'connected', 5_000);
  const ca = new CaClient({ channel, node: 'node-1' });
  t.after(() => ca.close());
  const key = await newWorkloadKey('spiffe://cluster.local/ns/shop/sa/client');
  const issued = await ca.createCertificate(key.csrPem, { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'client' });
  assert.equal(issued.certChainPem.length, 1);
});

function peerCertificate(port: number) {
  return new Promise<ReturnType<ReturnType<typeof connect>['getPeerCertificate']>>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: bundle, servername: 'weft-control-plane', ALPNProtocols: ['h2'] }, () => {
      resolve(socket.getPeerCertificate());
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

test('the serving certificate is issued by the mesh CA for weft-control-plane and the listen IP', async () => {
  const peer = await peerCertificate(Number(cp.address.split(':')[1]));
  assert.equal(peer.issuer.CN, 'weft root CA');
  assert.equal(peer.subjectaltname, 'DNS:weft-control-plane, IP Address:127.0.0.1');
});

test('the serving certificate is renewed at half its lifetime, without a restart', async (t) => {
  const serving = new ServingCertificate(cp.security.ca, { dns: ['weft-control-plane'], ips: [] }, { log: memoryLog('warn').log, ttlMs: 3_000 });
  t.after(() => serving.close());
  await serving.start();
  const server = new grpc.Server();
  t.after(() => server.forceShutdown());
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', serving.credentials(), (error, bound) => (error ? reject(error) : resolve(bound))));
  const first = await peerCertificate(port);
  await sleep(2_000);
  const second = await peerCertificate(port);
  assert.notEqual(second.serialNumber, first.serialNumber);
  assert.ok(new Date(second.valid_to) > new Date(first.valid_to));
});

test('an agent without the right CA cannot connect: not with another root, not in plaintext, not under another name', async (t) => {
  const otherRoot = (await generateRootCa('elsewhere')).certChainPem;
  const wrongRoot = new ControlPlaneChannel({ address: cp.address, caPem: otherRoot, tokenFile });
  const wrongName = new ControlPlaneChannel({ address: cp.address, caPem: bundle, tokenFile, serverName: 'not-the-control-plane' });
  const plaintext = { address: cp.address, credentials: grpc.credentials.createInsecure(), channelOptions: {}, metadata: () => wrongRoot.metadata() };
  const clients = [xds(t, wrongRoot), xds(t, wrongName), xds(t, plaintext as unknown as ControlPlaneChannel)];
  for (const channel of [wrongRoot, wrongName, plaintext]) {
    const ca = new CaClient({ channel, node: 'node-1', timeoutMs: 2_000 });
    t.after(() => ca.close());
    await assert.rejects(ca.trustBundle(), (error: unknown) => {
      assert.ok([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED].includes((error as { grpcCode: number }).grpcCode), String(error));
      return true;
    });
  }
  await sleep(1_000);
  assert.deepEqual(clients.map((c) => c.state === 'connected'), [false, false, false]);
  assert.equal(clients.some((c) => c.config !== undefined), false, 'no config reached any of them');
});

test('an agent refuses to dial a TCP control plane without a trust bundle', () => {
  assert.throws(() => new ControlPlaneChannel({ address: cp.address }), (error: unknown) => error instanceof ControlPlaneTlsError && /--control-plane-ca/.test(error.message));
  assert.equal(new ControlPlaneChannel({ address: 'unix:/run/weft/cp.sock' }).tls, false, 'a Unix socket stays plaintext');
});
