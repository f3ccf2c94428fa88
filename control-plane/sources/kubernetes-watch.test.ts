/** InformerWatch on its own, against the stand-in: what it adds to client-node's Watch. */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubernetesApiError } from './kubernetes-errors.js';
import { namespace } from '../../test/kube-standin/fixtures.js';
import { KubeStandin } from '../../test/kube-standin/kube-standin.js';
import { waitFor } from '../../test/kube-standin/wait-for.js';
import { loadKubeConfig } from './kubernetes-kubeconfig.js';
import { InformerWatch, type InformerWatchOptions, type WatchEnd } from './kubernetes-watch.js';

interface Run {
  events: string[];
  ends: WatchEnd[];
  done: unknown[];
  /** What watch() returned, once it has: after the response head arrived. */
  controller: Promise<AbortController>;
}

/** Starts one watch; what it reports is in the Run, filled as it goes. */
function startWatch(server: string, resourceVersion: string, options: Partial<InformerWatchOptions> = {}, delay = 0): Run {
  const run: Run = { events: [], ends: [], done: [], controller: Promise.resolve(new AbortController()) };
  const watch = new InformerWatch(loadKubeConfig({ server }), {
    signal: new AbortController().signal,
    timeoutSeconds: () => 60,
    onStart: () => {},
    onEnd: (end) => {
      run.ends.push(end);
      return delay;
    },
    ...options,
  });
  run.controller = watch.watch('/api/v1/namespaces', { resourceVersion }, (type) => run.events.push(type), (error) => run.done.push(error));
  return run;
}

async function watchOnce(server: string, resourceVersion: string, options: Partial<InformerWatchOptions> = {}, delay = 0): Promise<Run> {
  const run = startWatch(server, resourceVersion, options, delay);
  await run.controller;
  return run;
}

describe('InformerWatch', () => {
  let standin: KubeStandin;
  before(async () => {
    standin = await KubeStandin.start();
  });
  after(() => standin.close());

  it('asks for bookmarks and a server-side timeout, and reports a clean end as done(null)', async () => {
    const run = await watchOnce(standin.url, String(standin.store.resourceVersion));
    const request = standin.requestsFor('/api/v1/namespaces', true).at(-1);
    assert.equal(request?.query.allowWatchBookmarks, 'true');
    assert.equal(request?.query.timeoutSeconds, '60');
    standin.put(namespace('shop'));
    await waitFor('the event', () => run.events.length === 1);
    standin.dropWatches();
    await waitFor('the end', () => run.done.length === 1);
    assert.deepEqual(run.done, [null]);
    assert.deepEqual(run.ends.map((end) => [end.kind, end.events]), [['closed', 1]]);
  });

  it('ends the watch on an ERROR event, with the Status as the error: 410 as expired, others as failed', async () => {
    const failing = await watchOnce(standin.url, String(standin.store.resourceVersion));
    await waitFor('the watch', () => standin.openWatches === 1);
    standin.failWatches();
    await waitFor('the end', () => failing.done.length === 1);
    assert.ok(failing.done[0] instanceof KubernetesApiError);
    assert.equal(failing.done[0].statusCode, 500);
    assert.equal(failing.ends[0]?.kind, 'failed');
    assert.deepEqual(failing.events, [], 'the ERROR event is not passed on');

    const old = String(standin.store.resourceVersion);
    standin.put(namespace('later'));
    standin.compact();
    const expired = await watchOnce(standin.url, old);
    await waitFor('the end', () => expired.done.length === 1);
    assert.equal((expired.done[0] as KubernetesApiError).statusCode, 410, 'what ListWatch relists on');
    assert.equal(expired.ends[0]?.kind, 'expired');
  });

  it('tells ListWatch only after the delay onEnd asks for, and not at all once aborted', async () => {
    const delayed = await watchOnce(standin.url, String(standin.store.resourceVersion), {}, 200);
    await waitFor('the watch', () => standin.openWatches === 1);
    const ended = Date.now();
    standin.dropWatches();
    await waitFor('the end', () => delayed.done.length === 1);
    assert.ok(Date.now() - ended >= 190, `told after ${Date.now() - ended} ms`);

    const aborted = await watchOnce(standin.url, String(standin.store.resourceVersion));
    await waitFor('the watch', () => standin.openWatches === 1);
    (await aborted.controller).abort();
    await waitFor('the watch closed', () => standin.openWatches === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(aborted.done, [], 'no AbortError for ListWatch to report');
  });

  it('starts no watch once its signal is aborted', async () => {
    const stopped = new AbortController();
    stopped.abort();
    const before = standin.requests.length;
    const run = await watchOnce(standin.url, '1', { signal: stopped.signal });
    assert.equal((await run.controller).signal.aborted, true);
    assert.equal(standin.requests.length, before);
  });

  it('ends a watch that stays open past its timeoutSeconds as failed: a connection that died without a FIN', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      // The silent server never sends a head: client-node's Watch would wait for ever.
      const run = startWatch(`http://127.0.0.1:${port}`, '1', { timeoutSeconds: () => 0, deadlineSlackMs: 200 });
      await waitFor('the deadline', () => run.done.length === 1, 2000);
      assert.match(String(run.done[0]), /still open 200 ms after its timeoutSeconds \(0\); taken for a dead connection/);
      assert.equal(run.ends[0]?.kind, 'failed');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
