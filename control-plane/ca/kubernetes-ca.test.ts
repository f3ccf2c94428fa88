/**
 * Kubernetes mode against the API stand-in (test/kube-standin): Weft's own
 * root kept in a Secret (made once, reused, one winner when replicas race),
 * the root published for agents in the weft-ca-root ConfigMap (created,
 * corrected when stale, safe under races), and agents authenticated by
 * TokenReview of their pod-bound service-account tokens.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { newWorkloadKey } from '../../core/workload-key.js';
import { KubeStandin } from '../../test/kube-standin/kube-standin.js';
import { typeOfObject } from '../../test/kube-standin/resource-types.js';
import { status } from '../../test/kube-standin/status.js';
import { memoryLog, twoNodeMesh } from '../server/test-fixtures.js';
import { loadKubeConfig } from '../sources/kubernetes-kubeconfig.js';
import { CaKubernetesError, NodeAuthError } from './ca-errors.js';
import { loadOrCreateRoot } from './ca-store.js';
import { certificatesV1 } from '../../api/certificates-proto.js';
import { caRootConfigMapKey, caRootConfigMapName, KubeCaRootConfigMap } from './kube-ca-root-config-map.js';
import { KubeSecretCaStore, secretCertKey, secretKeyKey } from './kube-secret-ca-store.js';
import { startMeshCa } from './mesh-ca.js';
import { generateRootCa } from './root-ca.js';
import { bearer, rootAndIntermediate, startTestControlPlane } from './test-fixtures.js';
import { nodeNameExtra, TokenReviewAuthenticator } from '../auth/token-review-authenticator.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-ca-kube-'));
let standin: KubeStandin;
before(async () => {
  standin = await KubeStandin.start();
  const agent = 'system:serviceaccount:weft-system:weft-agent';
  const bound = (node: string, pod: string) => ({ [nodeNameExtra]: [node], 'authentication.kubernetes.io/pod-name': [pod], 'authentication.kubernetes.io/pod-uid': [`uid-${pod}`] });
  standin.tokenReviews.set('agent-node-1', { username: agent, extra: bound('node-1', 'weft-agent-abcde'), audiences: ['weft'] });
  standin.tokenReviews.set('agent-node-2', { username: agent, extra: bound('node-2', 'weft-agent-fghij'), audiences: ['weft'] });
  standin.tokenReviews.set('other-account', { username: 'system:serviceaccount:shop:reviews', extra: bound('node-1', 'reviews-0'), audiences: ['weft'] });
  standin.tokenReviews.set('not-bound', { username: agent, audiences: ['weft'] });
  standin.tokenReviews.set('api-audience', { username: agent, extra: bound('node-1', 'weft-agent-abcde') });
});
after(async () => {
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
});

const kubeConfig = () => loadKubeConfig({ server: standin.url });
const configMapType = () => typeOfObject('v1', 'ConfigMap')!;
/** The stored ConfigMap, as the kubelet would read it for an agent's volume. */
const configMap = (namespace: string, name = caRootConfigMapName) => standin.store.get(configMapType(), namespace, name) as { data?: Record<string, string>; metadata: Record<string, any> } | undefined;
const configMapWrites = (namespace: string) =>
  standin.requests.filter((r) => (r.method === 'POST' || r.method === 'PUT') && r.path.startsWith(`/api/v1/namespaces/${namespace}/configmaps`)).map((r) => r.method);

test('the root is kept in a Secret: made once, reused by the next control plane, one winner in a race', async () => {
  const store = () => new KubeSecretCaStore(kubeConfig(), 'weft-system', 'weft-ca');
  assert.equal(await store().load(), undefined);
  const [a, b] = await Promise.all([loadOrCreateRoot(store(), memoryLog().log), loadOrCreateRoot(store(), memoryLog().log)]);
  assert.equal(a.material.certChainPem, b.material.certChainPem, 'both replicas use one root');
  assert.equal([a.created, b.created].filter(Boolean).length, 1);
  const again = await loadOrCreateRoot(store(), memoryLog().log);
  assert.equal(again.created, false);
  assert.equal(again.material.certChainPem, a.material.certChainPem);

  const secret = standin.store.get(typeOfObject('v1', 'Secret')!, 'weft-system', 'weft-ca');
  assert.ok(secret, 'a Secret weft-system/weft-ca exists');
  const data = secret.data as Record<string, string>;
  assert.match(Buffer.from(data[secretCertKey]!, 'base64').toString(), /BEGIN CERTIFICATE/);
  assert.match(Buffer.from(data[secretKeyKey]!, 'base64').toString(), /BEGIN PRIVATE KEY/);
  assert.ok(standin.requests.some((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/weft-system/secrets'));
});

test('TokenReview: the agents\' service account, bound to a pod on a node, for the weft audience', async () => {
  const auth = new TokenReviewAuthenticator({ kubeConfig: kubeConfig(), agentServiceAccount: { namespace: 'weft-system', name: 'weft-agent' } });
  const credential = await auth.authenticate(bearer('agent-node-1'));
  assert.equal(credential.node, 'node-1');
  assert.equal(credential.description, 'service account weft-system/weft-agent (pod weft-agent-abcde)');
  const reviews = () => standin.requests.filter((r) => r.path === '/apis/authentication.k8s.io/v1/tokenreviews').length;
  const before = reviews();
  await auth.authenticate(bearer('agent-node-1'));
  assert.equal(reviews(), before, 'a positive review is cached');

  const refused = async (token: string | undefined, code: grpc.status, pattern: RegExp) =>
    assert.rejects(auth.authenticate(token ? bearer(token) : new grpc.Metadata()), (error: unknown) => {
      assert.ok(error instanceof NodeAuthError);
      assert.equal(error.grpcCode, code);
      assert.match(error.message, pattern);
      return true;
    });
  await refused(undefined, grpc.status.UNAUTHENTICATED, /no node credential/);
  await refused('forged', grpc.status.UNAUTHENTICATED, /does not authenticate: .*invalid bearer token/);
  await refused('other-account', grpc.status.PERMISSION_DENIED, /system:serviceaccount:shop:reviews is not the agents' service account/);
  await refused('not-bound', grpc.status.UNAUTHENTICATED, /not bound to a pod on a node/);
  await refused('api-audience', grpc.status.UNAUTHENTICATED, /does not authenticate/);
});

test('a control plane in Kubernetes mode signs for a node only what runs on that node', async (t) => {
  const log = memoryLog();
  const config = kubeConfig();
  const cp = await startTestControlPlane({
    listen: `unix:${join(dir, 'cp.sock')}`,
    log: log.log,
    config: twoNodeMesh(),
    security: {
      stateDir: join(dir, 'state'),
      nodeAuth: 'kubernetes',
      store: new KubeSecretCaStore(config, 'weft-system', 'weft-ca'),
      kubernetesAuth: () => new TokenReviewAuthenticator({ kubeConfig: config, agentServiceAccount: { namespace: 'weft-system', name: 'weft-agent' } }),
    },
  });
  t.after(() => cp.close());
  assert.equal(cp.security.auth.mode, 'kubernetes');
  const client = new (certificatesV1().Certificates)(cp.address, grpc.credentials.createInsecure());
  t.after(() => client.close());
  const create = (serviceAccount: string, token: string) =>
    new Promise((resolve, reject) =>
      client.CreateCertificate({ csrPem, namespace: 'shop', serviceAccount }, bearer(token), (error, response) => (error ? reject(error) : resolve(response))),
    );
  const { csrPem } = await newWorkloadKey('spiffe://cluster.local/ns/shop/sa/ratings');
  await create('ratings', 'agent-node-2');
  await assert.rejects(create('ratings', 'agent-node-1'), (error: grpc.ServiceError) => error.code === grpc.status.PERMISSION_DENIED);
  await assert.rejects(create('ratings', 'forged'), (error: grpc.ServiceError) => error.code === grpc.status.UNAUTHENTICATED);
  const refusal = log.records.find((r) => /^certificate refused: node node-1 asked/.test(r.msg));
  assert.equal(refusal?.credential, 'service account weft-system/weft-agent (pod weft-agent-abcde)');
});

test('the root is published in a ConfigMap for agents: created once, left alone when current, never with the key', async () => {
  const publisher = new KubeCaRootConfigMap(kubeConfig(), 'ns-publish');
  const { certChainPem, keyPem } = await generateRootCa('test');
  assert.equal(await publisher.publish(certChainPem), 'created');
  const stored = configMap('ns-publish');
  assert.deepEqual(stored?.data, { [caRootConfigMapKey]: certChainPem });
  assert.equal(stored?.metadata.labels['app.kubernetes.io/managed-by'], 'weft');
  assert.ok(!JSON.stringify(stored).includes(keyPem.split('\n')[1]!), 'no trace of the key');
  const version = stored?.metadata.resourceVersion;
  assert.equal(await publisher.publish(certChainPem), 'unchanged');
  assert.equal(configMap('ns-publish')?.metadata.resourceVersion, version, 'nothing written when it holds the bundle already');
  assert.deepEqual(configMapWrites('ns-publish'), ['POST']);
});

test('a stale root in the ConfigMap is replaced, keeping what else it holds; a write that loses a race is redone', async () => {
  const old = await generateRootCa('old');
  const current = await generateRootCa('current');
  standin.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: caRootConfigMapName, namespace: 'ns-stale', labels: { team: 'platform' }, annotations: { note: 'kept' } },
    data: { [caRootConfigMapKey]: old.certChainPem, 'README': 'kept too' },
  });
  const uid = configMap('ns-stale')?.metadata.uid;
  // Someone else writes between this control plane's read and its update: the API server answers 409 Conflict.
  standin.failNext('configmaps', 1, status.conflict('configmaps', caRootConfigMapName), { method: 'PUT' });
  assert.equal(await new KubeCaRootConfigMap(kubeConfig(), 'ns-stale').publish(current.certChainPem), 'updated');
  const stored = configMap('ns-stale')!;
  assert.deepEqual(stored.data, { [caRootConfigMapKey]: current.certChainPem, README: 'kept too' });
  assert.equal(stored.metadata.labels.team, 'platform');
  assert.equal(stored.metadata.labels['app.kubernetes.io/managed-by'], 'weft');
  assert.equal(stored.metadata.annotations.note, 'kept');
  assert.equal(stored.metadata.uid, uid, 'updated in place, not recreated');
  assert.deepEqual(configMapWrites('ns-stale'), ['PUT', 'PUT'], 'the conflict was read again and redone');
  const updates = standin.requests.filter((r) => r.method === 'PUT' && r.path === `/api/v1/namespaces/ns-stale/configmaps/${caRootConfigMapName}`);
  assert.equal(updates.length, 2);
});

test('publishing gives up with WEFT_ERR_CA_KUBERNETES when it keeps losing, or is not allowed', async () => {
  const { certChainPem } = await generateRootCa('test');
  const publisher = new KubeCaRootConfigMap(kubeConfig(), 'ns-busy', caRootConfigMapName, { attempts: 3 });
  standin.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: caRootConfigMapName, namespace: 'ns-busy' }, data: {} });
  standin.failNext('configmaps', 3, status.conflict('configmaps', caRootConfigMapName), { method: 'PUT' });
  await assert.rejects(publisher.publish(certChainPem), (error: unknown) => {
    assert.ok(error instanceof CaKubernetesError);
    assert.match(error.message, /ConfigMap ns-busy\/weft-ca-root: it kept changing under 3 attempts/);
    return true;
  });
  const forbidden = { ...status.conflict('configmaps', caRootConfigMapName), code: 403, reason: 'Forbidden', message: 'configmaps is forbidden: User "system:serviceaccount:weft-system:weft-control-plane" cannot create resource "configmaps"' };
  standin.failNext('configmaps', 1, forbidden, { method: 'POST' });
  await assert.rejects(new KubeCaRootConfigMap(kubeConfig(), 'ns-forbidden').publish(certChainPem), (error: unknown) => {
    assert.ok(error instanceof CaKubernetesError);
    assert.equal(error.statusCode, 403);
    assert.match(error.message, /^cannot create ConfigMap ns-forbidden\/weft-ca-root: /);
    return true;
  });
});

test('replicas starting together: one root in the Secret, the same root in the ConfigMap, whoever wins each race', async () => {
  const config = kubeConfig();
  const start = () =>
    startMeshCa(
      {
        trustDomain: 'cluster.local',
        workloadTtlMs: 3_600_000,
        stateDir: join(dir, 'unused-state'),
        store: new KubeSecretCaStore(config, 'ns-race', 'weft-ca'),
        trustBundlePublisher: new KubeCaRootConfigMap(config, 'ns-race'),
        nodeAuth: 'none',
        serverNames: ['weft-control-plane'],
      },
      'unix:/unused.sock',
      memoryLog().log,
    );
  const replicas = await Promise.all([start(), start(), start()]);
  for (const replica of replicas) replica.close();
  const secret = standin.store.get(typeOfObject('v1', 'Secret')!, 'ns-race', 'weft-ca') as unknown as { data: Record<string, string> };
  const root = Buffer.from(secret.data[secretCertKey]!, 'base64').toString();
  assert.ok(replicas.every((replica) => replica.ca.trustBundlePem.trim() === root.trim()));
  assert.equal(configMap('ns-race')?.data?.[caRootConfigMapKey]?.trim(), root.trim());
  assert.equal(standin.store.list(configMapType(), 'ns-race').length, 1);

  // Publishers that all find no ConfigMap and all create it: one gets 201, the others 409 AlreadyExists, read it back, and find it current.
  const { certChainPem } = await generateRootCa('test');
  const outcomes = await Promise.all([1, 2, 3].map(() => new KubeCaRootConfigMap(config, 'ns-race-publish').publish(certChainPem)));
  assert.deepEqual(outcomes.sort(), ['created', 'unchanged', 'unchanged']);
  assert.deepEqual(configMapWrites('ns-race-publish'), ['POST', 'POST', 'POST'], 'all three tried to create it');
  assert.equal(configMap('ns-race-publish')?.data?.[caRootConfigMapKey], certChainPem);
});

test('an operator\'s CA is published too: the root at the end of its chain, not the intermediate that signs', async () => {
  const { root, intermediate } = await rootAndIntermediate();
  const chainFile = join(dir, 'operator-chain.pem');
  const keyFile = join(dir, 'operator-key.pem');
  writeFileSync(chainFile, intermediate.certPem + root.certChainPem);
  writeFileSync(keyFile, intermediate.keyPem, { mode: 0o600 });
  const log = memoryLog();
  const security = await startMeshCa(
    {
      trustDomain: 'cluster.local',
      workloadTtlMs: 3_600_000,
      stateDir: join(dir, 'operator-state'),
      operatorCa: { certFile: chainFile, keyFile },
      trustBundlePublisher: new KubeCaRootConfigMap(kubeConfig(), 'ns-operator'),
      nodeAuth: 'none',
      serverNames: ['weft-control-plane'],
    },
    'unix:/unused.sock',
    log.log,
  );
  security.close();
  assert.equal(configMap('ns-operator')?.data?.[caRootConfigMapKey]?.trim(), root.certChainPem.trim());
  const published = log.records.find((r) => r.msg === 'trust bundle published for agents');
  assert.equal(published?.to, 'ConfigMap ns-operator/weft-ca-root');
  assert.equal(published?.outcome, 'created');
});
