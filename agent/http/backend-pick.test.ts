import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickBackend } from './backend-pick.js';

/** mulberry32: a small seeded generator, so the split below is the same in every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ref = (name: string, weight: number) => ({ namespace: 'shop', name, port: 80, weight });

describe('pickBackend', () => {
  it('splits requests by weight', () => {
    const refs = [ref('v1', 70), ref('v2', 20), ref('v3', 10)];
    const random = seeded(1294);
    const counts = new Map<string, number>();
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const name = pickBackend(refs, random)?.name ?? 'none';
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    // Within 1% of the weights' shares (for 100k draws, about 5 standard deviations of the smallest).
    assert.ok(Math.abs((counts.get('v1') ?? 0) / draws - 0.7) < 0.01, `v1: ${counts.get('v1')}`);
    assert.ok(Math.abs((counts.get('v2') ?? 0) / draws - 0.2) < 0.01, `v2: ${counts.get('v2')}`);
    assert.ok(Math.abs((counts.get('v3') ?? 0) / draws - 0.1) < 0.01, `v3: ${counts.get('v3')}`);
    assert.equal(counts.get('none'), undefined);
  });

  it('never picks a ref of weight 0, wherever it stands', () => {
    const refs = [ref('zero-first', 0), ref('v1', 1), ref('zero-middle', 0), ref('v2', 1), ref('zero-last', 0)];
    const random = seeded(7);
    const picked = new Set(Array.from({ length: 10_000 }, () => pickBackend(refs, random)?.name));
    assert.deepEqual([...picked].sort(), ['v1', 'v2']);
  });

  it('picks by where random() falls on the weights laid end to end, edges included', () => {
    const refs = [ref('a', 1), ref('b', 3)];
    assert.equal(pickBackend(refs, () => 0)?.name, 'a');
    assert.equal(pickBackend(refs, () => 0.2499)?.name, 'a');
    assert.equal(pickBackend(refs, () => 0.25)?.name, 'b');
    assert.equal(pickBackend(refs, () => 0.9999999)?.name, 'b');
    assert.equal(pickBackend([ref('a', 1), ref('zero', 0)], () => 1)?.name, 'a', 'a random() of 1 still lands on a ref with weight');
  });

  it('returns the ref itself, so the caller knows which one', () => {
    const refs = [ref('v1', 1)];
    assert.equal(pickBackend(refs, () => 0.5), refs[0]);
  });

  it('picks nothing when every weight is 0, or there are no refs (the spec answers 500)', () => {
    assert.equal(pickBackend([ref('a', 0), ref('b', 0)], () => 0.5), undefined);
    assert.equal(pickBackend([], () => 0.5), undefined);
  });
});
