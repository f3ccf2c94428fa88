import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundRobin } from './load-balancer-round-robin.js';

test('round robin starts each connection at the next endpoint and keeps the rest as fallbacks', () => {
  const balancer = new RoundRobin();
  const firsts = Array.from({ length: 6 }, () => balancer.order('shop/reviews:9080', ['a', 'b', 'c'])[0]);
  assert.deepEqual(firsts, ['a', 'b', 'c', 'a', 'b', 'c']);
  assert.deepEqual(balancer.order('shop/reviews:9080', ['a', 'b', 'c']), ['a', 'b', 'c']);
  assert.deepEqual(balancer.order('shop/reviews:9080', ['a', 'b', 'c']), ['b', 'c', 'a']);
});

test('round robin keeps one cursor per service port, across config updates; no endpoints, nothing to try', () => {
  const balancer = new RoundRobin();
  balancer.order('one', ['a', 'b']);
  assert.equal(balancer.order('two', ['x', 'y'])[0], 'x');
  // The same service port from a rebuilt config keeps its place in the rotation.
  assert.equal(balancer.order('one', ['a', 'b'].map((s) => s))[0], 'b');
  assert.deepEqual(balancer.order('one', []), []);
});

test('next() takes turns with order() on the same rotation, one endpoint at a time', () => {
  const rr = new RoundRobin();
  assert.deepEqual([rr.next('k', ['a', 'b', 'c']), rr.next('k', ['a', 'b', 'c']), rr.order('k', ['a', 'b', 'c'])[0], rr.next('k', ['a', 'b', 'c'])], ['a', 'b', 'c', 'a']);
  assert.equal(rr.next('empty', []), undefined);
});
