import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundRobin } from './load-balancer-round-robin.js';

test('round robin starts each connection at the next endpoint and keeps the rest as fallbacks', () => {
  const balancer = new RoundRobin();
  const firsts = Array.from({ length: 6 }, () => balancer.order('svc', ['a', 'b', 'c'])[0]);
  assert.deepEqual(firsts, ['a', 'b', 'c', 'a', 'b', 'c']);
  assert.deepEqual(balancer.order('svc', ['a', 'b', 'c']), ['a', 'b', 'c']);
  assert.deepEqual(balancer.order('svc', ['a', 'b', 'c']), ['b', 'c', 'a']);
});

test('round robin keeps one cursor per service and forgets services that are gone', () => {
  const balancer = new RoundRobin();
  balancer.order('one', ['a', 'b']);
  assert.equal(balancer.order('two', ['x', 'y'])[0], 'x');
  balancer.retain(new Set(['two']));
  assert.equal(balancer.order('one', ['a', 'b'])[0], 'a');
  assert.deepEqual(balancer.order('none', []), []);
});
