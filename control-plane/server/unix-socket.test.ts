import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ControlPlaneListenError } from './server-errors.js';
import { DiscoveryServer } from './discovery-server.js';
import { memoryLog } from './test-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-cp-socket-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a stale socket left by a crashed control plane is replaced; a live one or a plain file is not', async (t) => {
  const path = join(dir, 'stale.sock');
  // A process killed while listening leaves its socket file behind, with nobody on it.
  const crashed = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => crashed.kill('SIGKILL'));
  await new Promise((resolve) => crashed.stdout!.once('data', resolve));
  crashed.kill('SIGKILL');
  await new Promise((resolve) => crashed.once('exit', resolve));
  assert.ok(lstatSync(path).isSocket(), 'the stale socket is there');
  const server = new DiscoveryServer({ log: memoryLog().log });
  t.after(() => server.close());
  assert.equal(await server.listen(`unix:${path}`), `unix:${path}`);

  const second = new DiscoveryServer({ log: memoryLog().log });
  t.after(() => second.close());
  await assert.rejects(second.listen(`unix:${path}`), (error: unknown) => error instanceof ControlPlaneListenError && /another server/.test(error.message));

  const file = join(dir, 'not-a-socket');
  writeFileSync(file, 'x');
  await assert.rejects(new DiscoveryServer({ log: memoryLog().log }).listen(`unix:${file}`), /is not a socket/);
});

test('host:port with port 0 reports the port bound', async (t) => {
  const server = new DiscoveryServer({ log: memoryLog().log });
  t.after(() => server.close());
  const address = await server.listen('127.0.0.1:0');
  assert.match(address, /^127\.0\.0\.1:\d+$/);
  assert.notEqual(address, '127.0.0.1:0');
});
