import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KnownNodes } from './known-nodes.js';

test('nodes are learned from connected agents, kept after they leave, and updated when an address changes', () => {
  const known = new KnownNodes();
  assert.equal(known.observe([{ name: 'node-2', ip: '10.10.0.2' }, { name: 'node-1', ip: '10.10.0.1' }]), true);
  assert.deepEqual(known.list().map((n) => [n.name, n.ip]), [['node-1', '10.10.0.1'], ['node-2', '10.10.0.2']]);
  assert.equal(known.observe([{ name: 'node-2', ip: '10.10.0.2' }, { name: 'node-1', ip: '10.10.0.1' }]), false, 'nothing new');
  assert.equal(known.observe([]), true, 'both left: the connected set changed');
  assert.equal(known.list().length, 2, 'a node that left is still known');
  assert.equal(known.observe([]), false);
  assert.equal(known.observe([{ name: 'node-2', ip: '10.10.0.22' }]), true);
  assert.equal(known.list()[1]!.ip, '10.10.0.22');
});

test('with Node objects from the source: every node is known without an agent, a connected agent\'s address wins, a departed one\'s does not', () => {
  const fromApi = (name: string, ip: string) => ({ name, ip, source: { file: `kubernetes:Node/${name}`, document: 0 } });
  const known = new KnownNodes();
  const api = [fromApi('node-1', '192.168.0.1'), fromApi('node-2', '192.168.0.2')];
  const served = () => known.list(api).map((n) => [n.name, n.ip, n.source.file]);
  assert.deepEqual(served(), [
    ['node-1', '192.168.0.1', 'kubernetes:Node/node-1'],
    ['node-2', '192.168.0.2', 'kubernetes:Node/node-2'],
  ], 'no agent connected: the API alone');

  // node-1's agent binds another address than the Node's InternalIP: that is where its proxy listens.
  assert.equal(known.observe([{ name: 'node-1', ip: '10.10.0.1' }]), true);
  assert.deepEqual(served()[0], ['node-1', '10.10.0.1', 'agent:node-1']);
  assert.deepEqual(served()[1], ['node-2', '192.168.0.2', 'kubernetes:Node/node-2']);

  // Gone from this replica (restarting, or now on the other one): the API's current address again.
  assert.equal(known.observe([]), true, 'the connected set changed');
  assert.deepEqual(served()[0], ['node-1', '192.168.0.1', 'kubernetes:Node/node-1']);
  // Without a Node object (file mode, or a deleted Node) the last reported address stays.
  assert.deepEqual(known.list([]).map((n) => [n.name, n.ip]), [['node-1', '10.10.0.1']]);
  assert.equal(known.observe([]), false, 'nothing changed');
});
