import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { copyHarness, readAll } from './testing/copy-harness.js';
import { HttpObserver, type ObservedRequest } from './http-observer.js';
import { sniffHttp1 } from './http-sniff.js';

/** An observer on a hand-driven clock, and what it reported. */
function observed() {
  const clock = { now: 0 };
  const requests: ObservedRequest[] = [];
  const errors: Error[] = [];
  const observer = new HttpObserver({ now: () => clock.now, onRequest: (r) => requests.push(r), onError: (e) => errors.push(e) });
  const at = (now: number) => (clock.now = now);
  const client = (text: string | Buffer, now = clock.now) => {
    at(now);
    observer.data('downstream', Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));
  };
  const server = (text: string | Buffer, now = clock.now) => {
    at(now);
    observer.data('upstream', Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));
  };
  const end = (first: 'downstream' | 'upstream', clean = true, now = clock.now) => {
    at(now);
    observer.ended(first, clean);
    observer.ended(first === 'downstream' ? 'upstream' : 'downstream', clean);
  };
  return { observer, requests, errors, at, client, server, end };
}

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('sniffing: an HTTP/1 method and its space, byte by byte; TLS, the HTTP/2 preface and anything else are not HTTP/1', () => {
  assert.equal(sniffHttp1(Buffer.from('')), 'undecided');
  assert.equal(sniffHttp1(Buffer.from('G')), 'undecided');
  assert.equal(sniffHttp1(Buffer.from('GET')), 'undecided');
  assert.equal(sniffHttp1(Buffer.from('GET ')), 'http1');
  assert.equal(sniffHttp1(Buffer.from('M-SEARCH * HTTP/1.1')), 'http1');
  assert.equal(sniffHttp1(Buffer.from('GETX')), 'other');
  assert.equal(sniffHttp1(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')), 'other');
  assert.equal(sniffHttp1(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])), 'other');
  assert.equal(sniffHttp1(Buffer.from('SSH-2.0-OpenSSH')), 'other');
  assert.equal(sniffHttp1(Buffer.from('get / HTTP/1.1')), 'other');
});

test('one request: method, authority, path without query, status, body bytes and duration from first request byte to last response byte', () => {
  const { requests, errors, client, server } = observed();
  client(`POST /cart/items?id=7&debug=1 HTTP/1.1\r\nHost: shop.example:8080\r\ntraceparent: ${traceparent}\r\nbaggage: user=alice\r\nContent-Length: 11\r\n\r\n`, 10);
  client('hello world', 12);
  server('HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nok', 15);
  assert.equal(requests.length, 0, 'not reported before the last response byte');
  server('\r\n', 17.5);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests, [
    {
      method: 'POST',
      target: '/cart/items?id=7&debug=1',
      authority: 'shop.example:8080',
      path: '/cart/items',
      httpVersion: '1.1',
      status: 201,
      flags: '-',
      durationMs: 7.5,
      requestBodyBytes: 11,
      responseBodyBytes: 4,
      traceparent,
      baggage: 'user=alice',
    },
  ]);
});

test('pipelined requests in one chunk are matched to their responses in order', () => {
  const { requests, errors, client, server } = observed();
  client('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nPOST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz', 1);
  server('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nBB', 3);
  server('HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n', 4);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    requests.map((r) => [r.method, r.path, r.status, r.requestBodyBytes, r.responseBodyBytes, r.durationMs]),
    [
      ['GET', '/a', 200, 0, 1, 2],
      ['GET', '/b', 404, 0, 2, 2],
      ['POST', '/c', 500, 3, 0, 3],
    ],
  );
});

test('a keep-alive connection: each request starts at its own first byte', () => {
  const { requests, client, server } = observed();
  client('GET /1 HTTP/1.1\r\nHost: h\r\n\r\n', 100);
  server('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 101);
  client('GET /2 HTTP/1.1\r\n', 200);
  client('Host: h\r\n\r\n', 250);
  server('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 260);
  assert.deepEqual(requests.map((r) => [r.path, r.durationMs]), [['/1', 1], ['/2', 60]]);
});

test('a chunked response: body bytes without the framing, trailers and all, across chunk boundaries', () => {
  const { requests, errors, client, server } = observed();
  client('GET /stream HTTP/1.1\r\nHost: h\r\n\r\n', 0);
  server('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', 1);
  server('lo\r\n1', 2);
  server('0\r\n0123456789abcdef\r\n0\r\nX-Checksum: 1\r\n', 3);
  assert.equal(requests.length, 0);
  server('\r\n', 4);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests.map((r) => [r.status, r.responseBodyBytes, r.durationMs]), [[200, 21, 4]]);
});

test('a chunked request body counts its payload bytes', () => {
  const { requests, client, server } = observed();
  client('PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n', 0);
  server('HTTP/1.1 204 No Content\r\n\r\n', 1);
  assert.deepEqual(requests.map((r) => [r.method, r.status, r.requestBodyBytes, r.responseBodyBytes]), [['PUT', 204, 5, 0]]);
});

test('HEAD: the response carries Content-Length but no body, and the next response is read as one', () => {
  const { requests, errors, client, server } = observed();
  client('HEAD /big HTTP/1.1\r\nHost: h\r\n\r\nGET /small HTTP/1.1\r\nHost: h\r\n\r\n', 0);
  server('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n', 1);
  server('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc', 2);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests.map((r) => [r.method, r.path, r.status, r.responseBodyBytes]), [['HEAD', '/big', 200, 0], ['GET', '/small', 200, 3]]);
});

test('100-continue: the interim response is skipped, the final one is the request\'s', () => {
  const { requests, errors, client, server } = observed();
  client('POST /upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n', 0);
  server('HTTP/1.1 100 Continue\r\n\r\n', 1);
  client('data', 2);
  server('HTTP/1.1 103 Early Hints\r\nLink: </x.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 3);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests.map((r) => [r.status, r.requestBodyBytes, r.responseBodyBytes, r.durationMs]), [[200, 4, 2, 3]]);
});

test('one request split in two at every byte boundary is observed the same', () => {
  const request = Buffer.from(`POST /a/b?q=1 HTTP/1.1\r\nHost: api\r\ntraceparent: ${traceparent}\r\nContent-Length: 5\r\n\r\nhello`, 'latin1');
  for (let split = 1; split < request.length; split++) {
    const { requests, errors, client, server } = observed();
    client(request.subarray(0, split), 1);
    client(request.subarray(split), 2);
    server('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 5);
    assert.deepEqual(errors, [], `split at ${split}`);
    assert.deepEqual(
      requests.map((r) => [r.method, r.authority, r.path, r.status, r.requestBodyBytes, r.responseBodyBytes, r.durationMs, r.traceparent]),
      [['POST', 'api', '/a/b', 200, 5, 2, 4, traceparent]],
      `split at ${split}`,
    );
  }
});

test('the upstream going away before the answer is UC (503, as Envoy reports it); the client going away is DC (0)', () => {
  const uc = observed();
  uc.client('GET /slow HTTP/1.1\r\nHost: h\r\n\r\n', 0);
  uc.end('upstream', false, 30);
  assert.deepEqual(uc.requests.map((r) => [r.status, r.flags, r.durationMs]), [[503, 'UC', 30]]);

  const ucMidBody = observed();
  ucMidBody.client('GET /big HTTP/1.1\r\nHost: h\r\n\r\n', 0);
  ucMidBody.server('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', 5);
  ucMidBody.end('upstream', true, 9);
  assert.deepEqual(ucMidBody.requests.map((r) => [r.status, r.flags, r.responseBodyBytes]), [[200, 'UC', 7]]);

  const dc = observed();
  dc.client('GET /slow HTTP/1.1\r\nHost: h\r\n\r\n', 0);
  dc.end('downstream', false, 12);
  assert.deepEqual(dc.requests.map((r) => [r.status, r.flags, r.durationMs]), [[0, 'DC', 12]]);

  // A client that half-closes after its request is still waiting: the server's reset is the failure.
  const halfClosed = observed();
  halfClosed.client('GET /slow HTTP/1.1\r\nHost: h\r\n\r\n', 0);
  halfClosed.observer.ended('downstream', true);
  halfClosed.at(7);
  halfClosed.observer.ended('upstream', false);
  assert.deepEqual(halfClosed.requests.map((r) => [r.status, r.flags, r.durationMs]), [[503, 'UC', 7]]);
});

test('a response that runs until the server closes ends at its EOF', () => {
  const { requests, errors, client, server, end } = observed();
  client('GET /old HTTP/1.0\r\n\r\n', 0);
  server('HTTP/1.0 200 OK\r\n\r\nsome', 1);
  server(' bytes', 2);
  end('upstream', true, 3);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests.map((r) => [r.httpVersion, r.status, r.flags, r.responseBodyBytes, r.durationMs]), [['1.0', 200, '-', 10, 2]]);
});

test('a protocol switch (101) is reported and ends observation without error; a declined upgrade keeps observing', () => {
  const ws = observed();
  ws.client('GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello', 0);
  ws.server('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi', 1);
  ws.client('\x88\x00 not http at all', 2);
  ws.server('\x88\x00 nor this', 3);
  ws.end('downstream');
  assert.deepEqual(ws.errors, []);
  assert.deepEqual(ws.requests.map((r) => [r.path, r.status, r.flags]), [['/chat', 101, '-']]);
  assert.equal(ws.observer.observing, false);

  // curl --http2 on http:// asks for h2c; a server that declines answers in HTTP/1.1 and the connection stays HTTP/1.1.
  const h2c = observed();
  h2c.client('GET /one HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\n', 0);
  h2c.server('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1', 1);
  h2c.server('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n22', 2);
  assert.deepEqual(h2c.errors, []);
  assert.deepEqual(h2c.requests.map((r) => [r.path, r.status, r.responseBodyBytes]), [['/one', 200, 1], ['/two', 200, 2]]);

  const tunnel = observed();
  tunnel.client('CONNECT db.example:5432 HTTP/1.1\r\nHost: db.example:5432\r\n\r\n\x00\x00\x00\x08', 0);
  tunnel.server('HTTP/1.1 200 Connection established\r\n\r\nR\x00\x00\x00', 1);
  assert.deepEqual(tunnel.errors, []);
  assert.deepEqual(tunnel.requests.map((r) => [r.method, r.authority, r.status]), [['CONNECT', 'db.example:5432', 200]]);
});

test('not HTTP/1: TLS, the HTTP/2 preface and a server that speaks first are left alone', () => {
  for (const [first, bytes] of [
    ['downstream', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01])],
    ['downstream', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
    ['upstream', Buffer.from('220 mail.example ESMTP\r\n')],
  ] as const) {
    const { observer, requests, errors, client, server } = observed();
    if (first === 'upstream') server(bytes);
    else client(bytes);
    client('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    server('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual([requests.length, errors.length, observer.observing], [0, 0, false]);
  }
});

test('a parse error stops observation once and leaves the copy intact, byte for byte', async () => {
  const requests: ObservedRequest[] = [];
  const errors: Error[] = [];
  const observer = new HttpObserver({ onRequest: (r) => requests.push(r), onError: (e) => errors.push(e) });
  // Looks like HTTP/1 from the client, but the server answers with something else and then binary.
  const garbage = Buffer.concat([Buffer.from('HTTP/9 what\r\n'), randomBytes(256 * 1024)]);
  const { client, copied } = await copyHarness((backend) => {
    backend.once('data', () => backend.end(garbage));
    backend.on('data', () => undefined);
  }, observer);
  const received = readAll(client);
  const request = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n'), randomBytes(1024)]);
  client.end(request);
  const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  assert.equal(digest(await received), digest(garbage));
  const result = await copied();
  assert.deepEqual([result.sent, result.received, result.error], [request.length, garbage.length, undefined]);
  assert.equal(errors.length, 1);
  assert.deepEqual(requests, []);
});
