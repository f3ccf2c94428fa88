/** The stand-in speaks the API server's wire format: checked with plain HTTP, no Kubernetes client. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { customResource, namespace, node, pod, service } from './fixtures.js';
import { KubeStandin } from './kube-standin.js';
import { status } from './status.js';
import { waitFor } from './wait-for.js';

interface Line {
  type: string;
  object: { kind?: string; apiVersion?: string; code?: number; reason?: string; metadata?: { name?: string; resourceVersion?: string } };
}

/** Reads watch lines until `count` arrived or the stream ended (bounded by `timeoutMs`). */
async function readWatch(url: string, count: number, timeoutMs = 2000): Promise<{ lines: Line[]; ended: boolean; response: Response }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(url, { signal: controller.signal });
  const lines: Line[] = [];
  let buffered = '';
  let ended = false;
  const reader = response.body!.getReader();
  try {
    while (lines.length < count) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      buffered += Buffer.from(value).toString('utf8');
      let newline;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        lines.push(JSON.parse(buffered.slice(0, newline)) as Line);
        buffered = buffered.slice(newline + 1);
      }
    }
  } finally {
    clearTimeout(timer);
    if (!ended) controller.abort();
  }
  return { lines, ended, response };
}

describe('kube-standin', () => {
  let standin: KubeStandin;
  before(async () => {
    standin = await KubeStandin.start({ unserved: ['peerauthentications'] });
    standin.put(namespace('shop', { 'weft.dev/mesh': 'enabled' }));
    standin.put(service({ name: 'reviews', namespace: 'shop', clusterIP: '10.96.0.20', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] }));
    standin.put(pod({ name: 'reviews-0', namespace: 'shop', labels: { app: 'reviews' }, node: 'node-1', ip: '10.244.1.12' }));
    standin.put(customResource('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'reviews', { parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }] }));
  });
  after(() => standin.close());

  it('lists with a List kind and the current resourceVersion; built-in items carry no apiVersion/kind, custom ones do', async () => {
    const pods = (await (await fetch(`${standin.url}/api/v1/pods`)).json()) as { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: Record<string, unknown>[] };
    assert.equal(pods.kind, 'PodList');
    assert.equal(pods.apiVersion, 'v1');
    assert.equal(pods.metadata.resourceVersion, String(standin.store.resourceVersion));
    assert.equal(pods.items.length, 1);
    assert.equal(pods.items[0]?.kind, undefined);
    const routes = (await (await fetch(`${standin.url}/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes`)).json()) as { kind: string; items: Record<string, unknown>[] };
    assert.equal(routes.kind, 'HTTPRouteList');
    assert.equal(routes.items[0]?.kind, 'HTTPRoute');
    assert.equal((routes.items[0]?.metadata as { generation?: number }).generation, 1);
  });

  it('defaults a Service as the API server does, and serves one object by name', async () => {
    const response = await fetch(`${standin.url}/api/v1/namespaces/shop/services/reviews`);
    const reviews = (await response.json()) as { spec: Record<string, unknown>; metadata: { uid: string; resourceVersion: string } };
    assert.deepEqual(reviews.spec.clusterIPs, ['10.96.0.20']);
    assert.deepEqual(reviews.spec.ipFamilies, ['IPv4']);
    assert.equal(reviews.spec.sessionAffinity, 'None');
    assert.match(reviews.metadata.uid, /^[0-9a-f-]{36}$/);
    const namespaceObject = (await (await fetch(`${standin.url}/api/v1/namespaces/shop`)).json()) as { kind: string };
    assert.equal(namespaceObject.kind, 'Namespace');
  });

  it('answers unknown paths, missing objects and uninstalled CRDs with a 404 Status', async () => {
    for (const path of ['/api/v1/widgets', '/api/v1/namespaces/shop/pods/nope', '/apis/weft.dev/v1alpha1/peerauthentications']) {
      const response = await fetch(`${standin.url}${path}`);
      assert.equal(response.status, 404, path);
      const status = (await response.json()) as { kind: string; code: number; reason: string };
      assert.deepEqual([status.kind, status.code, status.reason], ['Status', 404, 'NotFound']);
    }
  });

  it('pages a list with limit and continue, every page at the first page\'s resourceVersion', async () => {
    for (let index = 1; index <= 4; index++) standin.put(pod({ name: `page-${index}`, namespace: 'paging', node: 'node-1', ip: `10.244.9.${index}` }));
    const first = (await (await fetch(`${standin.url}/api/v1/namespaces/paging/pods?limit=3`)).json()) as { metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number }; items: unknown[] };
    assert.equal(first.items.length, 3);
    assert.equal(first.metadata.remainingItemCount, 1);
    standin.put(pod({ name: 'page-5', namespace: 'paging', node: 'node-1', ip: '10.244.9.5' }));
    const second = (await (await fetch(`${standin.url}/api/v1/namespaces/paging/pods?limit=3&continue=${first.metadata.continue}`)).json()) as { metadata: { resourceVersion: string; continue?: string }; items: unknown[] };
    assert.equal(second.items.length, 1, 'page-5 came after the snapshot');
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.equal(second.metadata.continue, undefined);
    assert.equal((await fetch(`${standin.url}/api/v1/pods?limit=3&continue=stale`)).status, 410);
  });

  it('watches from a resourceVersion: the events after it, then live ones, in order', async () => {
    const from = standin.store.resourceVersion;
    standin.put(pod({ name: 'reviews-1', namespace: 'shop', labels: { app: 'reviews' }, node: 'node-2', ip: '10.244.2.12' }));
    const reading = readWatch(`${standin.url}/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${from}`, 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    standin.put(pod({ name: 'reviews-1', namespace: 'shop', labels: { app: 'reviews', version: 'v2' }, node: 'node-2', ip: '10.244.2.12' }));
    standin.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reviews-1', namespace: 'shop' } });
    const { lines, response } = await reading;
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(lines.map((line) => [line.type, line.object.kind, line.object.metadata?.name]), [
      ['ADDED', 'Pod', 'reviews-1'],
      ['MODIFIED', 'Pod', 'reviews-1'],
      ['DELETED', 'Pod', 'reviews-1'],
    ]);
    const versions = lines.map((line) => Number(line.object.metadata?.resourceVersion));
    assert.deepEqual(versions, [from + 1, from + 2, from + 3]);
  });

  it('answers a watch from a compacted resourceVersion with one ERROR event carrying a 410 Status, then ends', async () => {
    const old = standin.store.resourceVersion;
    standin.put(namespace('other'));
    standin.compact();
    const { lines, ended, response } = await readWatch(`${standin.url}/api/v1/pods?watch=true&resourceVersion=${old}`, 2);
    assert.equal(response.status, 200);
    assert.equal(ended, true);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.type, 'ERROR');
    assert.deepEqual([lines[0]?.object.kind, lines[0]?.object.code, lines[0]?.object.reason], ['Status', 410, 'Expired']);
  });

  it('sends bookmarks only to watches that allow them, and drops watches cleanly or abruptly', async () => {
    const url = `${standin.url}/api/v1/services?watch=true&resourceVersion=${standin.store.resourceVersion}`;
    const withBookmarks = readWatch(`${url}&allowWatchBookmarks=true`, 1);
    const without = readWatch(url, 1, 500);
    await new Promise((resolve) => setTimeout(resolve, 50));
    standin.bookmark();
    const { lines } = await withBookmarks;
    assert.deepEqual([lines[0]?.type, lines[0]?.object.kind, lines[0]?.object.metadata?.resourceVersion], ['BOOKMARK', 'Service', String(standin.store.resourceVersion)]);
    // The bookmark reader has hung up; once the server has seen that, only the other watch is open.
    await waitFor('the bookmark watch to close', () => standin.openWatches === 1);
    assert.equal(standin.dropWatches(), 1);
    assert.deepEqual((await without).lines, []);
    assert.equal((await without).ended, true);

    const cut = readWatch(url, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(standin.dropWatches({ abrupt: true }), 1);
    await assert.rejects(cut, 'an abrupt drop is a network error, not an end of stream');
    assert.equal(standin.openWatches, 0);
  });

  it('sends a watch\'s response head at once, before any event, as the API server flushes it', async () => {
    const controller = new AbortController();
    const response = await fetch(`${standin.url}/api/v1/pods?watch=true&resourceVersion=${standin.store.resourceVersion}`, { signal: controller.signal });
    assert.equal(response.status, 200);
    controller.abort();
    await waitFor('the watch closed', () => standin.openWatches === 0);
  });

  it('fails requests on demand: the next ones for a type with a Status, open watches with an ERROR event', async () => {
    standin.failNext('services', 1);
    const failed = await fetch(`${standin.url}/api/v1/services`);
    assert.equal(failed.status, 500);
    const body = (await failed.json()) as { kind: string; code: number; reason: string };
    assert.deepEqual([body.kind, body.code, body.reason], ['Status', 500, 'InternalError']);
    assert.equal((await fetch(`${standin.url}/api/v1/services`)).status, 200, 'only the next one');

    const watching = readWatch(`${standin.url}/api/v1/services?watch=true&resourceVersion=${standin.store.resourceVersion}`, 2);
    await waitFor('the watch', () => standin.openWatches === 1);
    assert.equal(standin.failWatches(), 1);
    const { lines, ended } = await watching;
    assert.equal(ended, true);
    assert.deepEqual(lines.map((line) => [line.type, line.object.code, line.object.reason]), [['ERROR', 500, 'InternalError']]);
  });

  it('with resourceVersion unset, starts a watch with a synthetic ADDED per existing object', async () => {
    const { lines } = await readWatch(`${standin.url}/api/v1/namespaces/shop/services?watch=1`, 1);
    assert.deepEqual([lines[0]?.type, lines[0]?.object.metadata?.name], ['ADDED', 'reviews']);
  });
});

describe('kube-standin: Nodes and ConfigMap writes', () => {
  let standin: KubeStandin;
  before(async () => {
    standin = await KubeStandin.start();
  });
  after(() => standin.close());

  const configMaps = (namespace: string, name = '') => `${standin.url}/api/v1/namespaces/${namespace}/configmaps${name ? `/${name}` : ''}`;
  const write = async (method: 'POST' | 'PUT', url: string, body: unknown) => {
    const response = await fetch(url, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { code: response.status, body: (await response.json()) as { kind?: string; reason?: string; code?: number; metadata?: Record<string, any>; data?: Record<string, string> } };
  };

  it('serves Nodes cluster-scoped, their List items without apiVersion/kind, with the addresses the kubelet reports', async () => {
    standin.put(node({ name: 'node-1', internalIP: '192.168.0.11' }));
    const list = (await (await fetch(`${standin.url}/api/v1/nodes`)).json()) as { kind: string; items: Array<Record<string, any>> };
    assert.equal(list.kind, 'NodeList');
    assert.equal(list.items[0]?.kind, undefined);
    assert.equal(list.items[0]?.metadata.namespace, undefined);
    assert.deepEqual(list.items[0]?.status.addresses, [{ type: 'InternalIP', address: '192.168.0.11' }, { type: 'Hostname', address: 'node-1' }]);
    assert.equal((await fetch(`${standin.url}/api/v1/namespaces/default/nodes`)).status, 404, 'not namespaced');
    const one = (await (await fetch(`${standin.url}/api/v1/nodes/node-1`)).json()) as { kind: string };
    assert.equal(one.kind, 'Node');
  });

  it('creates a ConfigMap once (201, then 409 AlreadyExists), and updates it only from the resourceVersion it holds (else 409 Conflict)', async () => {
    const created = await write('POST', configMaps('weft-system'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'root' }, data: { a: '1' } });
    assert.equal(created.code, 201);
    assert.equal(created.body.metadata?.namespace, 'weft-system');
    assert.ok(created.body.metadata?.uid && created.body.metadata.resourceVersion);
    const again = await write('POST', configMaps('weft-system'), { metadata: { name: 'root' }, data: { a: '2' } });
    assert.deepEqual([again.code, again.body.reason], [409, 'AlreadyExists']);

    const stale = created.body.metadata!.resourceVersion as string;
    const updated = await write('PUT', configMaps('weft-system', 'root'), { ...created.body, data: { a: '2' } });
    assert.equal(updated.code, 200);
    assert.equal(updated.body.metadata?.uid, created.body.metadata?.uid);
    assert.notEqual(updated.body.metadata?.resourceVersion, stale);
    const lost = await write('PUT', configMaps('weft-system', 'root'), { metadata: { name: 'root', resourceVersion: stale }, data: { a: '3' } });
    assert.deepEqual([lost.code, lost.body.reason], [409, 'Conflict']);
    const unconditional = await write('PUT', configMaps('weft-system', 'root'), { metadata: { name: 'root' }, data: { a: '4' } });
    assert.equal(unconditional.code, 200);
    const read = (await (await fetch(configMaps('weft-system', 'root'))).json()) as { kind: string; data: Record<string, string> };
    assert.deepEqual([read.kind, read.data], ['ConfigMap', { a: '4' }]);
  });

  it('refuses ConfigMap writes a real server refuses, and fails writes on demand by method', async () => {
    assert.deepEqual((await write('PUT', configMaps('weft-system', 'absent'), { metadata: { name: 'absent' }, data: {} })).code, 404, 'a PUT does not create');
    assert.equal((await write('PUT', configMaps('weft-system', 'root'), { metadata: { name: 'other' } })).code, 400);
    assert.equal((await write('POST', configMaps('weft-system'), { metadata: { name: 'x', namespace: 'elsewhere' } })).code, 400);
    assert.equal((await write('POST', configMaps('weft-system'), { metadata: {} })).code, 422);
    assert.equal((await write('PUT', `${standin.url}/api/v1/namespaces/weft-system/secrets/x`, { metadata: { name: 'x' } })).code, 405);

    standin.failNext('configmaps', 1, status.conflict('configmaps', 'root'), { method: 'PUT' });
    assert.equal((await fetch(configMaps('weft-system', 'root'))).status, 200, 'a read does not take a PUT failure');
    const planted = await write('PUT', configMaps('weft-system', 'root'), { metadata: { name: 'root' }, data: {} });
    assert.deepEqual([planted.code, planted.body.reason], [409, 'Conflict']);
    assert.equal((await write('PUT', configMaps('weft-system', 'root'), { metadata: { name: 'root' }, data: {} })).code, 200, 'only once');
  });
});

describe('kube-standin: expiredWatch: status', () => {
  it('refuses a watch from a compacted resourceVersion with an HTTP 410 and the Status, as the watch cache does', async () => {
    const standin = await KubeStandin.start({ expiredWatch: 'status' });
    try {
      const old = standin.store.resourceVersion;
      standin.put(namespace('other'));
      standin.compact();
      const response = await fetch(`${standin.url}/api/v1/pods?watch=true&resourceVersion=${old}`);
      assert.equal(response.status, 410);
      const body = (await response.json()) as { kind: string; code: number; reason: string };
      assert.deepEqual([body.kind, body.code, body.reason], ['Status', 410, 'Expired']);
      assert.equal((await fetch(`${standin.url}/api/v1/pods?watch=true&resourceVersion=${standin.store.resourceVersion}&timeoutSeconds=1`)).status, 200, 'a current one is served');
    } finally {
      await standin.close();
    }
  });
});
