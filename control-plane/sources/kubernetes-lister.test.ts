import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubernetesApiError } from './kubernetes-errors.js';
import { customResource, namespace, node, pod, service } from '../../test/kube-standin/fixtures.js';
import { KubeStandin } from '../../test/kube-standin/kube-standin.js';
import { status } from '../../test/kube-standin/status.js';
import { loadKubeConfig } from './kubernetes-kubeconfig.js';
import { type KubernetesApis, makeApis, makeLister } from './kubernetes-lister.js';
import { type WatchedKind, watchedResources } from './kubernetes-resources.js';

const resource = (kind: WatchedKind) => watchedResources.find((candidate) => candidate.kind === kind)!;

describe('kubernetes lister', () => {
  let standin: KubeStandin;
  let apis: KubernetesApis;
  const stop = new AbortController();
  before(async () => {
    standin = await KubeStandin.start({ unserved: ['grpcroutes'] });
    standin.put(namespace('shop', { 'weft.dev/mesh': 'enabled' }));
    standin.put(service({ name: 'reviews', namespace: 'shop', clusterIP: '10.96.0.20', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, targetPort: 'http' }] }));
    standin.put(pod({ name: 'reviews-0', namespace: 'shop', labels: { app: 'reviews' }, node: 'node-1', ip: '10.244.1.12' }));
    standin.put(node({ name: 'node-1', internalIP: '192.168.0.11' }));
    standin.put(customResource('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'reviews', { parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }] }));
    apis = makeApis(loadKubeConfig({ server: standin.url }), { signal: stop.signal });
  });
  after(async () => {
    stop.abort();
    await standin.close();
  });

  it('hands over the JSON the server sent, not client-node model classes with Date timestamps', async () => {
    for (const [kind, path] of [['Namespace', '/api/v1/namespaces'], ['Service', '/api/v1/services'], ['Pod', '/api/v1/pods'], ['Node', '/api/v1/nodes'], ['HTTPRoute', '/apis/gateway.networking.k8s.io/v1/httproutes']] as const) {
      const wire = (await (await fetch(`${standin.url}${path}`)).json()) as { metadata: { resourceVersion: string }; items: unknown[] };
      const listed = await makeLister(resource(kind), apis)();
      assert.equal(listed.metadata?.resourceVersion, wire.metadata.resourceVersion, kind);
      assert.deepEqual(listed.items, wire.items, kind);
      assert.equal(Object.getPrototypeOf(listed.items[0]), Object.prototype, kind);
    }
  });

  it('fails with a KubernetesApiError carrying the Status: a CRD that is not installed is a 404', async () => {
    await assert.rejects(makeLister(resource('GRPCRoute'), apis)(), (error: unknown) => {
      assert.ok(error instanceof KubernetesApiError);
      assert.equal(error.statusCode, 404);
      assert.equal(error.message, '404 NotFound: the server could not find the requested resource');
      return true;
    });
    standin.failNext('pods', 1, status.serviceUnavailable('etcd is down'));
    await assert.rejects(makeLister(resource('Pod'), apis)(), /^KubernetesApiError: 503 ServiceUnavailable: etcd is down$/);
  });

  it('reads a v1 Status as an object or as the JSON text client-node leaves in ApiException.body', () => {
    const forbidden = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'pods is forbidden', reason: 'Forbidden', code: 403 };
    for (const body of [forbidden, JSON.stringify(forbidden)]) {
      const error = KubernetesApiError.fromStatus(500, body);
      assert.equal(error.statusCode, 403);
      assert.equal(error.message, '403 Forbidden: pods is forbidden');
    }
    assert.equal(KubernetesApiError.fromStatus(502, 'Bad Gateway').message, '502 Unknown: Bad Gateway');
    assert.equal(KubernetesApiError.fromStatus(503, undefined).message, '503 Unknown: no Status in the response');
  });

  it('gives up on a list page that does not answer in time, saying so', async () => {
    // A server that takes the connection and never answers: what a stalled API server looks like.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const stalled = makeApis(loadKubeConfig({ server: `http://127.0.0.1:${port}` }), { signal: stop.signal, requestTimeoutMs: 200 });
      await assert.rejects(makeLister(resource('Pod'), stalled)(), /^Error: no complete answer within 200 ms$/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
