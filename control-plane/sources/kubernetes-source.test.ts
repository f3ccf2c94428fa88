/**
 * The Kubernetes source against the stand-in API server (test/kube-standin):
 * same config as the directory source for the same cluster, changes that
 * follow within 2 s, resumption after dropped watches, relist after 410,
 * and the failures client-node's ListWatch leaves to its user (retries,
 * backoff, ERROR events, stopping).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubernetesSourceError } from './kubernetes-errors.js';
import { logger } from '../../core/log.js';
import { namespace, node, pod, service } from '../../test/kube-standin/fixtures.js';
import { KubeStandin } from '../../test/kube-standin/kube-standin.js';
import { status } from '../../test/kube-standin/status.js';
import { twinApiObjects, twinManifests } from '../../test/kube-standin/twin-cluster.js';
import { waitFor } from '../../test/kube-standin/wait-for.js';
import { formatIssue, type LoadResult, type MeshConfig } from '../manifests/index.js';
import { withoutEnforcementNotices } from '../manifests/issue-assertions.js';
import { loadConfigDir } from './file-source.js';
import { watchedResources } from './kubernetes-resources.js';
import { KubernetesSource, type KubernetesSourceOptions } from './kubernetes-source.js';

const log = logger('kubernetes-source-test');
if (!process.env.WEFT_LOG_LEVEL) log.level = 'silent'; // the retries after planted failures are expected

/**
 * The config without `source` fields (they say which file or API object) and without routes'
 * `creationTimestamp` (only the API server stamps one), each list sorted.
 */
function comparable(config: MeshConfig): Record<string, unknown[]> {
  const sourceOnly = new Set(['source', 'creationTimestamp']);
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).filter(([key]) => !sourceOnly.has(key)).map(([key, field]) => [key, strip(field)]));
  };
  return Object.fromEntries(
    Object.entries(config).map(([key, list]) => [key, (strip(list) as unknown[]).map((item) => JSON.stringify(item)).sort().map((item) => JSON.parse(item) as unknown)]),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const names = (result: LoadResult, key: 'services' | 'workloads') => result.config[key].map((object) => `${object.namespace}/${object.name}`).sort();

async function startSource(standin: KubeStandin, options: Partial<KubernetesSourceOptions> = {}): Promise<KubernetesSource> {
  const source = new KubernetesSource({ server: standin.url, log, retry: { baseMs: 50, capMs: 500 }, ...options });
  await source.start();
  return source;
}

describe('KubernetesSource: the same cluster as a manifest directory', () => {
  let standin: KubeStandin;
  let dir = '';
  before(async () => {
    standin = await KubeStandin.start();
    for (const object of twinApiObjects()) standin.put(object);
    dir = await mkdtemp(join(tmpdir(), 'weft-twin-'));
    for (const [file, text] of Object.entries(twinManifests())) await writeFile(join(dir, file), text);
  });
  after(async () => {
    await standin.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('(a) yields exactly the MeshConfig the directory yields, with no issues on either side', async () => {
    const fromFiles = await loadConfigDir(dir);
    const notices = 0; // every kind is enforced
    assert.deepEqual(withoutEnforcementNotices(fromFiles.issues, notices).map(formatIssue), []);
    const source = await startSource(standin);
    try {
      const fromApi = source.current();
      assert.deepEqual(withoutEnforcementNotices(fromApi.issues, notices).map(formatIssue), []);
      assert.deepEqual(comparable(fromApi.config), comparable(fromFiles.config));
      assert.ok([...fromApi.config.httpRoutes, ...fromApi.config.grpcRoutes].every((route) => route.creationTimestamp !== undefined), 'API objects have an age');
      assert.ok([...fromFiles.config.httpRoutes, ...fromFiles.config.grpcRoutes].every((route) => route.creationTimestamp === undefined), 'files have none');
      // Not vacuous: every kind is there, and what a cluster has but the mesh cannot use is not.
      // Nodes are the exception: no source has them; the control plane adds those its agents connect from.
      for (const [key, list] of Object.entries(fromApi.config)) {
        if (key !== 'nodes') assert.ok((list as unknown[]).length > 0, `${key} is empty`);
      }
      assert.deepEqual(names(fromApi, 'workloads'), [
        'kube-system/coredns-5d78c-aaaaa',
        'legacy/old-9b8c7-uvwxy',
        'legacy/pilot-1a2b3-zzzzz',
        'shop/batch-8a7b6-pqrst',
        'shop/frontend-7f6d5-klmno',
        'shop/ratings-4e5f6-qwert',
        'shop/reviews-v1-5c9f7-abcde',
        'shop/reviews-v2-6d8e9-fghij',
      ]);
      const meshed = fromApi.config.workloads.filter((workload) => workload.mesh).map((workload) => workload.name).sort();
      assert.deepEqual(meshed, ['frontend-7f6d5-klmno', 'pilot-1a2b3-zzzzz', 'ratings-4e5f6-qwert', 'reviews-v1-5c9f7-abcde', 'reviews-v2-6d8e9-fghij']);
      const dns = fromApi.config.services.find((candidate) => candidate.name === 'kube-dns');
      assert.deepEqual(dns?.ports.map((port) => port.name), ['dns-tcp', 'metrics']);
      assert.equal(fromApi.config.workloads[0]?.source.file.startsWith('kubernetes:Pod/'), true);
    } finally {
      await source.stop();
    }
  });
});

describe('KubernetesSource: following the cluster', () => {
  let standin: KubeStandin;
  let source: KubernetesSource;
  const changes: LoadResult[] = [];
  const reviews = (name: string, ip: string, labels: Record<string, string> = {}) =>
    pod({ name, namespace: 'shop', labels: { app: 'reviews', ...labels }, node: 'node-1', ip, serviceAccount: 'reviews' });

  before(async () => {
    standin = await KubeStandin.start();
    standin.put(namespace('shop', { 'weft.dev/mesh': 'enabled' }));
    standin.put(namespace('legacy'));
    standin.put(service({ name: 'reviews', namespace: 'shop', clusterIP: '10.96.0.20', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] }));
    standin.put(reviews('reviews-0', '10.244.1.10'));
    standin.put(pod({ name: 'old-0', namespace: 'legacy', node: 'node-2', ip: '10.244.2.10' }));
    source = await startSource(standin);
    source.on('change', (result) => changes.push(result));
  });
  after(async () => {
    await source.stop();
    await standin.close();
  });

  it('(b) follows adds, modifications and deletions within 2 s, one debounced change per burst', async () => {
    const before = changes.length;
    standin.put(reviews('reviews-1', '10.244.1.11'));
    standin.put(reviews('reviews-2', '10.244.1.12'));
    await waitFor('two new workloads', () => names(source.current(), 'workloads').includes('shop/reviews-2'));
    assert.equal(changes.length, before + 1, 'two adds in one burst are one change');

    standin.put(reviews('reviews-1', '10.244.1.11', { version: 'v2' }));
    await waitFor('the new label', () => source.current().config.workloads.find((w) => w.name === 'reviews-1')?.labels.version === 'v2');

    standin.delete(reviews('reviews-2', '10.244.1.12'));
    await waitFor('the deletion', () => !names(source.current(), 'workloads').includes('shop/reviews-2'));

    // A namespace label re-decides every pod in it.
    assert.equal(source.current().config.workloads.find((w) => w.name === 'old-0')?.mesh, false);
    standin.put(namespace('legacy', { 'weft.dev/mesh': 'enabled' }));
    await waitFor('legacy meshed', () => source.current().config.workloads.find((w) => w.name === 'old-0')?.mesh === true);

    // A pod that stops running leaves the mesh; one without an IP is not in it yet.
    standin.put(pod({ name: 'reviews-1', namespace: 'shop', labels: { app: 'reviews' }, node: 'node-1', ip: '10.244.1.11', phase: 'Failed' }));
    standin.put(pod({ name: 'reviews-3', namespace: 'shop', labels: { app: 'reviews' }, node: 'node-1', phase: 'Pending' }));
    await waitFor('reviews-1 gone', () => !names(source.current(), 'workloads').includes('shop/reviews-1'));
    assert.ok(!names(source.current(), 'workloads').includes('shop/reviews-3'));
    assert.equal(changes.at(-1), source.current());
  });

  it('(c) after every watch is dropped, resumes from its resourceVersion (no relist) and gets the changes made in the gap', async () => {
    for (const abrupt of [false, true]) {
      const stats = source.stats();
      const suffix = abrupt ? 'cut' : 'clean';
      // One tick: the stand-in applies all of it before any client can reconnect.
      assert.ok(standin.dropWatches({ abrupt }) >= 7);
      standin.put(reviews(`gap-${suffix}`, abrupt ? '10.244.1.21' : '10.244.1.20'));
      standin.put(service({ name: `gap-${suffix}`, namespace: 'shop', clusterIP: abrupt ? '10.96.0.41' : '10.96.0.40', selector: { app: 'gap' }, ports: [{ name: 'http', port: 80 }] }));
      standin.delete(reviews('reviews-0', '10.244.1.10'));
      await waitFor(`the changes made while the watches were down (${suffix})`, () => {
        const current = source.current();
        return names(current, 'workloads').includes(`shop/gap-${suffix}`) && names(current, 'services').includes(`shop/gap-${suffix}`) && !names(current, 'workloads').includes('shop/reviews-0');
      });
      const now = source.stats();
      assert.equal(now.relists, stats.relists, `resumed, not relisted (${suffix})`);
      assert.ok(now.watchRestarts >= stats.watchRestarts + 7, `every watch restarted (${suffix})`);
      if (abrupt) assert.ok(now.errors > stats.errors, 'a cut connection is an error, retried');
      standin.put(reviews('reviews-0', '10.244.1.10'));
      await waitFor('reviews-0 back', () => names(source.current(), 'workloads').includes('shop/reviews-0'));
    }
  });

  it('(d) after compaction forces 410 Gone, relists, and a deletion made in the gap is reflected', async () => {
    const stats = source.stats();
    assert.ok(names(source.current(), 'workloads').includes('shop/reviews-0'));
    standin.dropWatches();
    // Deleted while nobody watched, and the history that said so compacted away: only a relist can tell.
    standin.delete(reviews('reviews-0', '10.244.1.10'));
    standin.compact();
    await waitFor('the deletion, through a relist', () => !names(source.current(), 'workloads').includes('shop/reviews-0'));
    const now = source.stats();
    assert.ok(now.resources.Pod.expired > stats.resources.Pod.expired, 'the pod watch got 410 Gone');
    assert.equal(now.resources.Pod.lists, stats.resources.Pod.lists + 1, 'and relisted pods once');
    assert.ok(now.relists > stats.relists);
    // After the relist it watches again, from the list's resourceVersion.
    standin.put(reviews('after-relist', '10.244.1.30'));
    await waitFor('a change after the relist', () => names(source.current(), 'workloads').includes('shop/after-relist'));
  });

  it('(e) reports a malformed object by its API name and field, and applies the rest', async () => {
    standin.put(service({ name: 'broken', namespace: 'shop', clusterIP: '10.96.0.50', selector: { app: 'broken' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'http', port: 70000, targetPort: 8080 }] }));
    standin.put(service({ name: 'details', namespace: 'shop', clusterIP: '10.96.0.51', selector: { app: 'details' }, ports: [{ name: 'http', port: 9080 }] }));
    await waitFor('details', () => names(source.current(), 'services').includes('shop/details'));
    const { config, issues } = source.current();
    assert.ok(!config.services.some((candidate) => candidate.name === 'broken'));
    const issue = issues.find((candidate) => candidate.file === 'kubernetes:Service/shop/broken');
    assert.ok(issue, issues.map(formatIssue).join('\n'));
    assert.equal(issue.severity, 'error');
    assert.equal(issue.path, 'spec.ports[1].port', "the field's index in the Service, counting the UDP port left out");
    assert.equal(formatIssue(issue), 'kubernetes:Service/shop/broken [doc 0] spec.ports[1].port: must be <= 65535');
    assert.equal(issues.filter((candidate) => candidate.severity === 'error').length, 1, issues.map(formatIssue).join('\n'));
  });
});

describe('KubernetesSource: node addresses from Node objects', () => {
  const addresses = (result: LoadResult) => result.config.nodes.map((n) => `${n.name}=${n.ip}`);

  it('lists every Node\'s InternalIP with no agent anywhere, and follows adds, address changes and deletions', async () => {
    const standin = await KubeStandin.start();
    try {
      standin.put(node({ name: 'node-2', internalIP: '192.168.0.12' }));
      standin.put(node({ name: 'node-1', internalIP: '192.168.0.11', otherAddresses: [{ type: 'InternalIP', address: 'fd00::11' }] }));
      standin.put(node({ name: 'joining' })); // registered, addresses not reported yet
      const source = await startSource(standin);
      try {
        assert.deepEqual(addresses(source.current()), ['node-1=192.168.0.11', 'node-2=192.168.0.12']);
        assert.equal(source.current().config.nodes[0]?.source.file, 'kubernetes:Node/node-1');
        assert.deepEqual(source.current().issues, [], 'a Node is not a manifest: nothing to report');

        standin.put(node({ name: 'joining', internalIP: '192.168.0.13' }));
        await waitFor('the node that got its address', () => addresses(source.current()).includes('joining=192.168.0.13'));
        standin.put(node({ name: 'node-2', internalIP: '192.168.0.22' }));
        await waitFor('the new address', () => addresses(source.current()).includes('node-2=192.168.0.22'));
        standin.delete(node({ name: 'node-1' }));
        await waitFor('the deleted node', () => !addresses(source.current()).some((entry) => entry.startsWith('node-1=')));
        assert.deepEqual(addresses(source.current()), ['joining=192.168.0.13', 'node-2=192.168.0.22']);

        // Resumed after dropped watches and relisted after 410, like every other resource.
        standin.dropWatches({ abrupt: true });
        standin.delete(node({ name: 'joining' }));
        standin.compact();
        await waitFor('the deletion made in the gap', () => !addresses(source.current()).some((entry) => entry.startsWith('joining=')));
        assert.ok(source.stats().resources.Node.lists >= 2, 'relisted');
      } finally {
        await source.stop();
      }
      const listed = standin.requestsFor('/api/v1/nodes', false);
      assert.ok(listed.length > 0 && standin.requestsFor('/api/v1/nodes', true).length > 0, 'nodes are listed and watched');
    } finally {
      await standin.close();
    }
  });
});

describe('KubernetesSource: failures client-node leaves to its user', () => {
  const reviews = (name: string, ip: string) => pod({ name, namespace: 'shop', labels: { app: 'reviews' }, node: 'node-1', ip });
  /** Started, and every watch open at the server (start() resolves on the lists; the watches follow). */
  const watching = async (standin: KubeStandin) => {
    const source = await startSource(standin);
    await waitFor('a watch per resource', () => standin.openWatches === watchedResources.length);
    return source;
  };

  it('retries a failing list after a growing backoff, counting each failure, until it succeeds', async () => {
    const standin = await KubeStandin.start();
    try {
      standin.put(reviews('reviews-0', '10.244.1.10'));
      standin.failNext('pods', 3, status.serviceUnavailable());
      const started = Date.now();
      const source = await startSource(standin);
      const elapsed = Date.now() - started;
      const { Pod } = source.stats().resources;
      await source.stop();
      assert.equal(Pod.errors, 3);
      assert.equal(Pod.lists, 4, 'three failed lists, then one that worked');
      assert.equal(Pod.state, 'synced');
      assert.equal(Pod.lastError, undefined, 'cleared by the list that worked');
      // 50, 100, 200 ms, each less up to 20% jitter: growing, not a loop.
      assert.ok(elapsed >= 280, `retried after ${elapsed} ms`);
      assert.deepEqual(names(source.current(), 'workloads'), ['shop/reviews-0']);
    } finally {
      await standin.close();
    }
  });

  it('takes a watch ERROR event other than 410 for a failure: counted, kept, retried, resumed without a relist', async () => {
    const standin = await KubeStandin.start();
    try {
      const source = await watching(standin);
      const stats = source.stats();
      assert.ok(standin.failWatches() >= 7);
      standin.put(reviews('after-error', '10.244.1.11'));
      await waitFor('the change after the failed watches', () => names(source.current(), 'workloads').includes('shop/after-error'));
      const now = source.stats();
      await source.stop();
      assert.ok(now.errors >= stats.errors + 7, 'one failure per watch');
      assert.equal(now.relists, stats.relists, 'resumed from the resourceVersion');
      assert.match(now.resources.Pod.lastError ?? '', /^500 InternalError: an error on the server/);
    } finally {
      await standin.close();
    }
  });

  it('retries a watch the server refuses with an HTTP error', async () => {
    const standin = await KubeStandin.start();
    try {
      const source = await watching(standin);
      const stats = source.stats();
      standin.failNext('pods', 1);
      standin.dropWatches();
      standin.put(reviews('after-refusal', '10.244.1.12'));
      await waitFor('the change after the refused watch', () => names(source.current(), 'workloads').includes('shop/after-refusal'));
      const now = source.stats();
      await source.stop();
      assert.equal(now.resources.Pod.errors, stats.resources.Pod.errors + 1);
      assert.equal(now.resources.Pod.lists, stats.resources.Pod.lists, 'resumed, not relisted');
      // client-node's Watch does not read the body of a failed watch request: the status line is all there is.
      assert.match(now.resources.Pod.lastError ?? '', /^500 Internal Server Error: /);
    } finally {
      await standin.close();
    }
  });

  it('relists after a 410 sent as the HTTP status of the watch, as the watch cache sends it', async () => {
    const standin = await KubeStandin.start({ expiredWatch: 'status' });
    try {
      standin.put(reviews('reviews-0', '10.244.1.10'));
      const source = await watching(standin);
      const stats = source.stats();
      standin.dropWatches();
      standin.delete(reviews('reviews-0', '10.244.1.10'));
      standin.compact();
      await waitFor('the deletion, through a relist', () => !names(source.current(), 'workloads').includes('shop/reviews-0'));
      const now = source.stats();
      await source.stop();
      assert.equal(now.resources.Pod.expired, stats.resources.Pod.expired + 1);
      assert.equal(now.resources.Pod.lists, stats.resources.Pod.lists + 1);
      assert.equal(now.resources.Pod.errors, stats.resources.Pod.errors, 'a 410 is not a failure');
    } finally {
      await standin.close();
    }
  });

  it('backs off when the server ends every watch at once, rather than watching again at once', async () => {
    const standin = await KubeStandin.start();
    try {
      const source = await watching(standin);
      const before = standin.requestsFor('/api/v1/pods', true).length;
      const dropping = setInterval(() => standin.dropWatches(), 1);
      await sleep(600);
      clearInterval(dropping);
      const watches = standin.requestsFor('/api/v1/pods', true).length - before;
      await source.stop();
      // Bare ListWatch watches again at once (about 200 times in this while); after 50, 100, 200, 400 ms: a handful.
      assert.ok(watches <= 8, `${watches} pod watches in 600 ms`);
    } finally {
      await standin.close();
    }
  });

  it('stop() ends every watch, and nothing is requested after it', async () => {
    const standin = await KubeStandin.start();
    try {
      const source = await watching(standin);
      await source.stop();
      await waitFor('the watches closed', () => standin.openWatches === 0);
      const requests = standin.requests.length;
      await sleep(300);
      assert.equal(standin.requests.length, requests);
      assert.equal(source.stats().errors, 0, 'the aborts of stop() are not failures');
    } finally {
      await standin.close();
    }
  });
});

describe('KubernetesSource: connecting', () => {
  it('reads a kubeconfig file and sends its token; pages lists', async () => {
    const standin = await KubeStandin.start();
    const dir = await mkdtemp(join(tmpdir(), 'weft-kubeconfig-'));
    try {
      for (let index = 0; index < 5; index++) standin.put(pod({ name: `p-${index}`, namespace: 'default', node: 'node-1', ip: `10.244.1.${index + 1}` }));
      await writeFile(join(dir, 'config'), standin.kubeconfig());
      const source = new KubernetesSource({ kubeconfigPath: join(dir, 'config'), log, pageSize: 2 });
      await source.start();
      await waitFor('the pod watch', () => standin.requestsFor('/api/v1/pods', true).length > 0);
      await source.stop();
      assert.equal(source.current().config.workloads.length, 5);
      const podLists = standin.requestsFor('/api/v1/pods', false);
      assert.deepEqual(podLists.map((request) => request.query.limit), ['2', '2', '2']);
      assert.ok(podLists.every((request) => request.authorization === 'Bearer standin-token'));
      const podWatch = standin.requestsFor('/api/v1/pods', true)[0];
      assert.equal(podWatch?.query.allowWatchBookmarks, 'true');
      assert.equal(podWatch?.query.resourceVersion, String(standin.store.resourceVersion));
    } finally {
      await standin.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('goes on without a CRD that is not installed', async () => {
    const standin = await KubeStandin.start({ unserved: ['authorizationpolicies', 'grpcroutes'] });
    try {
      const source = await startSource(standin);
      const stats = source.stats();
      await source.stop();
      assert.equal(stats.resources.AuthorizationPolicy.state, 'absent');
      assert.equal(stats.resources.GRPCRoute.state, 'absent');
      assert.equal(stats.resources.HTTPRoute.state, 'synced');
      assert.deepEqual(source.current().issues, []);
    } finally {
      await standin.close();
    }
  });

  it('rejects start() with a KubernetesSourceError naming the server when nothing answers', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const source = new KubernetesSource({ server: `http://127.0.0.1:${port}`, log, startTimeoutMs: 400, retry: { baseMs: 50, capMs: 100 } });
    await assert.rejects(source.start(), (error: unknown) => {
      assert.ok(error instanceof KubernetesSourceError);
      assert.equal(error.code, 'WEFT_ERR_KUBERNETES');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}.*within 400 ms.*/api/v1/pods: .*ECONNREFUSED`));
      return true;
    });
    assert.throws(() => source.current(), KubernetesSourceError);
  });
});
