/**
 * Kubernetes mode against the API stand-in (test/kube-standin): Weft's own
 * root kept in a Secret (made once, reused, one winner when replicas race),
 * and agents authenticated by TokenReview of their pod-bound
 * service-account tokens.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { newWorkloadKey } from '../../agent/identity/workload-key.js';
import { KubeStandin } from '../../test/kube-standin/kube-standin.js';
import { typeOfObject } from '../../test/kube-standin/resource-types.js';
import { memoryLog, twoNodeMesh } from '../server/test-fixtures.js';
import { loadKubeConfig } from '../sources/kubernetes-kubeconfig.js';
import { NodeAuthError } from './ca-errors.js';
import { loadOrCreateRoot } from './ca-store.js';
import { certificatesV1 } from './certificates-proto.js';
import { KubeSecretCaStore, secretCertKey, secretKeyKey } from './kube-secret-ca-store.js';
import { bearer, startTestControlPlane } from './test-fixtures.js';
import { nodeNameExtra, TokenReviewAuthenticator } from './token-review-authenticator.js';

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
