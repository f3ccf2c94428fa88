/** The cached-start feed over a fake control-plane feed: when the cached config is used, marked and replaced. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { pino } from 'pino';
import { emptyMeshConfig } from '../../model/empty-config.js';
import type { CachedConfig } from '../config-cache/cache-record.js';
import { CachedStartFeed } from './cached-start-feed.js';
import type { ConfigFeed, ConfigUpdate } from './config-feed.js';

const log = pino({ level: 'silent' });

class FakeControlPlane extends EventEmitter<{ update: [ConfigUpdate] }> implements ConfigFeed {
  #first: ((update: ConfigUpdate) => void) | undefined;
  #started = false;
  start(): Promise<ConfigUpdate> {
    return new Promise((resolve) => {
      this.#first = resolve;
    });
  }
  /** The control plane answers: the first config resolves start(), later ones are updates. */
  send(update: ConfigUpdate): void {
    if (!this.#started) {
      this.#started = true;
      this.#first!(update);
    } else this.emit('update', update);
  }
  latest(): ConfigUpdate {
    throw new Error('unused');
  }
  describe() {
    return { kind: 'control-plane' as const, address: 'unix:/cp.sock', state: 'connecting' };
  }
  close(): void {}
}

const cached: CachedConfig = {
  node: 'node-1',
  version: '7',
  config: emptyMeshConfig(),
  trustBundle: { trustDomain: 'cluster.local', trustBundlePem: '' },
  receivedAt: '2026-12-04T03:00:00.000Z',
  controlPlane: 'unix:/cp.sock',
};

function gauge() {
  const values: number[] = [];
  return { values, set: (value: number) => values.push(value) };
}

test('with a cache: the cached config at once, stale until the control plane answers, then its config as an update', async () => {
  const inner = new FakeControlPlane();
  const stale = gauge();
  let waited = false;
  const feed = new CachedStartFeed(inner, { cached, file: '/state/config-node-1.json', log, stale, whileWaiting: () => ((waited = true), async () => {}) });
  const first = await feed.start();
  assert.deepEqual(first, { config: cached.config, version: '7', cachedAt: cached.receivedAt });
  assert.equal(waited, false, 'a node with a cache does not say it has no config');
  assert.equal(stale.values.at(-1), 1);
  assert.deepEqual(feed.describe(), {
    kind: 'control-plane',
    address: 'unix:/cp.sock',
    state: 'connecting',
    stale: { file: '/state/config-node-1.json', version: '7', receivedAt: cached.receivedAt, reason: 'the control plane has not answered since this agent started' },
  });
  const updates: ConfigUpdate[] = [];
  feed.on('update', (update) => updates.push(update));
  const live = { config: emptyMeshConfig(), version: '9' };
  inner.send(live);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(updates, [live], "the control plane's first config replaces the cached one");
  assert.equal(stale.values.at(-1), 0);
  assert.equal(feed.stale, undefined);
  assert.equal('stale' in feed.describe(), false);
  inner.send({ config: emptyMeshConfig(), version: '10' });
  assert.deepEqual(updates.map((u) => u.version), ['9', '10']);
  assert.equal(feed.latest().version, '10');
});

test('without a cache: waits for the control plane, saying so meanwhile, and is never stale', async () => {
  const inner = new FakeControlPlane();
  const stale = gauge();
  const events: string[] = [];
  const feed = new CachedStartFeed(inner, {
    cached: undefined,
    file: '/state/config-node-1.json',
    log,
    stale,
    whileWaiting: () => {
      events.push('waiting');
      return async () => {
        await new Promise((resolve) => setImmediate(resolve));
        events.push('stopped waiting');
      };
    },
  });
  const first = feed.start().then((update) => {
    events.push(`first ${update.version}`);
    return update;
  });
  assert.deepEqual(events, ['waiting']);
  inner.send({ config: emptyMeshConfig(), version: '3' });
  assert.equal((await first).cachedAt, undefined);
  assert.deepEqual(events, ['waiting', 'stopped waiting', 'first 3'], 'the waiting endpoints are closed before the agent goes on');
  assert.deepEqual(stale.values, [0]);
  assert.equal('stale' in feed.describe(), false);
});
