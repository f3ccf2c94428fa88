import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KnownNodes } from './known-nodes.js';

test('nodes are learned from connected agents, kept after they leave, and updated when an address changes', () => {
  const known = new KnownNodes();
  assert.equal(known.observe([{ name: 'node-2', ip: '10.10.0.2' }, { name: 'node-1', ip: '10.10.0.1' }]), true);
  assert.deepEqual(known.list().map((n) => [n.name, n.ip]), [['node-1', '10.10.0.1'], ['node-2', '10.10.0.2']]);
  assert.equal(known.observe([{ name: 'node-1', ip: '10.10.0.1' }]), false, 'nothing new');
  assert.equal(known.observe([]), false, 'a node that left is still known');
  assert.equal(known.list().length, 2);
  assert.equal(known.observe([{ name: 'node-2', ip: '10.10.0.22' }]), true);
  assert.equal(known.list()[1]!.ip, '10.10.0.22');
});
