import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundRobin } from './load-balancer-round-robin.js';

test('round robin starts each connection at the next endpoint and keeps the rest as fallbacks', () => {
  const balancer = new RoundRobin();
  const port = { port: 80 };
  const firsts = Array.from({ length: 6 }, () => balancer.order(port, ['a', 'b', 'c'])[0]);
  assert.deepEqual(firsts, ['a', 'b', 'c', 'a', 'b', 'c']);
  assert.deepEqual(balancer.order(port, ['a', 'b', 'c']), ['a', 'b', 'c']);
  assert.deepEqual(balancer.order(port, ['a', 'b', 'c']), ['b', 'c', 'a']);
});

test('round robin keeps one cursor per service port; an empty endpoint list gives nothing to try', () => {
  const balancer = new RoundRobin();
  const one = { port: 80 };
  const two = { port: 80 };
  balancer.order(one, ['a', 'b']);
  assert.equal(balancer.order(two, ['x', 'y'])[0], 'x');
  assert.equal(balancer.order(one, ['a', 'b'])[0], 'b');
  assert.deepEqual(balancer.order(one, []), []);
});
