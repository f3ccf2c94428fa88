import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { copyHarness, readAll } from './testing/copy-harness.js';

test('client half-close: the backend sees EOF and can still answer', async () => {
  const { client, copied } = await copyHarness((backend) => {
    readAll(backend).then((request) => backend.end(Buffer.concat([Buffer.from('got '), request])));
  });
  const reply = readAll(client);
  client.end('ping');
  assert.equal((await reply).toString(), 'got ping');
  const result = await copied();
  assert.deepEqual([result.sent, result.received], [4, 8]);
});

test('backend half-close: the client gets EOF first and can still send', async () => {
  let backendGot!: Promise<Buffer>;
  const { client } = await copyHarness((backend) => {
    backendGot = readAll(backend);
    backend.end('hello');
  });
  assert.equal((await readAll(client)).toString(), 'hello');
  client.end('late data');
  assert.equal((await backendGot).toString(), 'late data');
});

test('8 MiB each way arrives intact through the copy', async () => {
  const payload = randomBytes(8 * 1024 * 1024);
  const { client, copied } = await copyHarness((backend) => backend.pipe(backend));
  const echoed = readAll(client);
  client.end(payload);
  const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  assert.equal(digest(await echoed), digest(payload));
  assert.equal((await copied()).received, payload.length);
});

test('a reset by the backend resets the client instead of closing it cleanly', async () => {
  const { client } = await copyHarness((backend) => backend.once('data', () => backend.resetAndDestroy()));
  const outcome = new Promise<string>((resolve) => {
    client.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    client.once('end', () => resolve('clean end'));
  });
  client.write('x');
  assert.equal(await outcome, 'ECONNRESET');
});
