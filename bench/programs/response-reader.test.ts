import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseReader } from './response-reader.js';

const response = (body: string, status = 200) =>
  Buffer.from(`HTTP/1.1 ${status} OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);

test('a response split anywhere completes exactly at its last byte, and the reader is ready for the next', () => {
  const bytes = response('x'.repeat(1024));
  for (const cut of [1, 10, 40, bytes.length - 1024, bytes.length - 1]) {
    const reader = new ResponseReader();
    assert.equal(reader.push(bytes.subarray(0, cut)), undefined, `cut at ${cut}`);
    assert.equal(reader.push(bytes.subarray(cut)), 200, `cut at ${cut}`);
  }
  const reader = new ResponseReader();
  assert.equal(reader.push(response('a', 503)), 503);
  assert.equal(reader.push(response('')), 200);
});

test('bytes past a response, a head without content-length, or not HTTP at all are errors', () => {
  assert.throws(() => new ResponseReader().push(Buffer.concat([response('a'), Buffer.from('H')])), /after the response/);
  assert.throws(() => new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')), /content-length/);
  assert.throws(() => new ResponseReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), /not an HTTP/);
});
