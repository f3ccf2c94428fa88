/** The mesh builder's command lines and log names (no kernel objects). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentArgs, controlPlaneArgs, logFileOf, weftCli } from './mesh-commands.js';

test('the first start of a process logs to <name>.log, later ones to <name>-<n>.log', () => {
  assert.equal(logFileOf('/tmp/run', 'agent-node-1', 1), '/tmp/run/agent-node-1.log');
  assert.equal(logFileOf('/tmp/run', 'agent-node-1', 2), '/tmp/run/agent-node-1-2.log');
});

test('an agent takes its config from the control plane when there is one (caching it in the run\'s state dir), else from the config dir', () => {
  const base = { node: 'node-1', nodeIp: '10.10.0.1', pinRoot: '/sys/fs/bpf/weft-t000000', stateDir: '/tmp/weft-t000000/agent-state' };
  assert.deepEqual(agentArgs(['weft'], { ...base, source: { configDir: '/c' } }), [
    'weft', 'agent', '--node', 'node-1', '--node-ip', '10.10.0.1', '--config-dir', '/c', '--bpffs-root', base.pinRoot,
  ]);
  assert.deepEqual(
    agentArgs(['weft'], { ...base, source: { configDir: '/c', controlPlane: { socket: '/s', tokenFile: '/t' } }, args: ['--access-log', 'off'] }),
    ['weft', 'agent', '--node', 'node-1', '--node-ip', '10.10.0.1', '--control-plane', 'unix:/s', '--token-file', '/t', '--state-dir', base.stateDir, '--bpffs-root', base.pinRoot, '--access-log', 'off'],
  );
});

test('the control plane watches the config dir and serves a Unix socket', () => {
  assert.deepEqual(controlPlaneArgs({ configDir: '/c', socket: '/s', stateDir: '/st', args: ['--cert-ttl', '2m'] }), [
    process.execPath, weftCli, 'control-plane', '--config-dir', '/c', '--listen', 'unix:/s', '--state-dir', '/st', '--cert-ttl', '2m',
  ]);
});
