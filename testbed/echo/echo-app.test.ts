/**
 * The echo app and its in-pod clients on the namespace testbed, pod to pod
 * with no agent (so every address seen is the real one): each knob on both
 * HTTP versions, gRPC unary and streaming with metadata and trailers, curl's
 * keep-alive reuse, fail-first-N, h2load, the TCP echo. One testbed for the
 * whole file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runInPod } from '../run-in-pod.js';
import { Testbed, type PodWorker } from '../testbed.js';
import { curlInPod, CurlError, type CurlRequest, type CurlResponse } from './curl.js';
import { startEcho, type EchoApp } from './echo-app.js';
import { grpcEchoInPod } from './grpc-echo.js';
import { h2loadInPod } from './h2load.js';

describe('the echo app and its clients, pod to pod', { timeout: 60_000 }, () => {
  let bed: Testbed;
  let v1: EchoApp;
  let v2: EchoApp;
  let worker: PodWorker;
  const curl = (requests: CurlRequest | CurlRequest[], http2 = false): Promise<CurlResponse[]> => curlInPod(bed, 'client', requests, { http2 });
  const one = async (request: CurlRequest, http2 = false): Promise<CurlResponse> => (await curl(request, http2))[0]!;

  before(async () => {
    bed = await Testbed.create({
      nodes: ['node-1', 'node-2'],
      pods: [
        { name: 'client', node: 'node-1' },
        { name: 'echo-v1', node: 'node-2' },
        { name: 'echo-v2', node: 'node-1' },
      ],
    });
    [v1, v2, worker] = await Promise.all([
      startEcho(bed, 'echo-v1', { version: 'v1', namespace: 'gateway-conformance-mesh' }),
      startEcho(bed, 'echo-v2', { version: 'v2', http: [8080, 80], logRequests: true }),
      bed.startWorker('client'),
    ]);
  });

  after(async () => {
    await bed?.destroy();
  });

  test('a command run in a pod runs in its cgroup and its network namespace', async () => {
    const { stdout, exitCode } = await runInPod(bed, 'client', ['sh', '-c', 'cat /proc/self/cgroup; ip -4 -o addr show dev eth0']);
    assert.equal(exitCode, 0);
    assert.match(stdout, new RegExp(`^0::${bed.pod('client').cgroupPath}$`, 'm'));
    assert.match(stdout, new RegExp(`inet ${bed.pod('client').ip.replaceAll('.', '\\.')}/32`));
  });

  test('an HTTP/1.1 answer says who answered and what arrived, as it arrived', async () => {
    const answer = await one({ url: `${v1.httpBase}/some/path?b=2&a=1`, headers: { 'X-Repeated': ['one', 'two'], Host: 'echo' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.httpVersion, '1.1');
    assert.deepEqual(answer.headers['content-type'], ['application/json']);
    const echo = answer.echo!;
    assert.deepEqual(
      { pod: echo.pod, namespace: echo.namespace, version: echo.version, port: echo.port, kind: echo.kind, protocol: echo.protocol, method: echo.method, path: echo.path, host: echo.host },
      { pod: 'echo-v1', namespace: 'gateway-conformance-mesh', version: 'v1', port: 8080, kind: 'http', protocol: 'HTTP/1.1', method: 'GET', path: '/some/path?b=2&a=1', host: 'echo' },
    );
    assert.deepEqual(echo.headers['x-repeated'], ['one', 'two']);
    assert.equal(echo.clientAddress, bed.pod('client').ip);
    assert.equal(echo.clientPort, answer.localPort);
  });

  test('HTTP/2 with prior knowledge on the same port: :authority from Host, a POST body counted', async () => {
    const answer = await one({ url: `${v2.httpBase}/h2?q=1`, method: 'POST', body: 'x'.repeat(1000), headers: { Host: 'echo-v2.mesh:8080' } }, true);
    assert.equal(answer.status, 200);
    assert.equal(answer.httpVersion, '2');
    const echo = answer.echo!;
    assert.equal(echo.protocol, 'HTTP/2');
    assert.equal(echo.method, 'POST');
    assert.equal(echo.host, 'echo-v2.mesh:8080');
    assert.deepEqual(echo.headers[':path'], ['/h2?q=1']);
    assert.equal(echo.bodyBytes, 1000);
    assert.equal(echo.version, 'v2');
    // the second --http port answers too, and --log-requests saw it
    const other = await one({ url: `http://${v2.ip}:80/second` });
    assert.equal(other.echo?.port, 80);
    assert.equal((await v2.waitForRequest((r) => r.path === '/second', 5_000)).port, 80);
  });

  for (const http2 of [false, true]) {
    const label = http2 ? 'HTTP/2' : 'HTTP/1.1';

    test(`${label}: the status, response headers and a redirect's Location, by query and by x-echo-* header`, async () => {
      const byQuery = await one({ url: `${v1.httpBase}/?codes=302&headers=location:/elsewhere,x-two:a,x-two:b` }, http2);
      assert.equal(byQuery.status, 302);
      assert.deepEqual(byQuery.headers.location, ['/elsewhere']); // not followed
      assert.deepEqual(byQuery.headers['x-two'], ['a', 'b']);
      assert.equal(byQuery.echo?.status, 302);
      const byHeader = await one({ url: `${v1.httpBase}/plain`, headers: { 'x-echo-codes': '503', 'x-echo-headers': 'x-set:yes' } }, http2);
      assert.equal(byHeader.status, 503);
      assert.deepEqual(byHeader.headers['x-set'], ['yes']);
      const bad = await one({ url: `${v1.httpBase}/?delay=soon` }, http2);
      assert.equal(bad.status, 400);
      assert.match(bad.headers['x-echo-error']![0]!, /delay/);
    });

    test(`${label}: a delay holds the answer back`, async () => {
      const quick = await one({ url: `${v1.httpBase}/` }, http2);
      const slow = await one({ url: `${v1.httpBase}/`, headers: { 'x-echo-delay': '300ms' } }, http2);
      assert.ok(slow.timing.firstByteMs >= 300, `answered after ${slow.timing.firstByteMs} ms`);
      assert.ok(quick.timing.firstByteMs < 200, `an undelayed answer took ${quick.timing.firstByteMs} ms`);
      const timedOut = (await curlInPod(bed, 'client', { url: `${v1.httpBase}/?delay=2s` }, { http2, requestTimeoutMs: 300 }))[0]!;
      assert.equal(timedOut.exitCode, 28); // curl's operation timeout
    });

    test(`${label}: a large body streamed, who answered in headers`, async () => {
      const size = 3 * 1024 * 1024 + 17;
      const answer = await one({ url: `${v2.httpBase}/big?size=${size}`, discardBody: true }, http2);
      assert.equal(answer.status, 200);
      assert.equal(answer.bodyBytes, size);
      assert.equal(answer.headers['content-length'], undefined);
      assert.deepEqual([answer.headers['x-echo-pod'], answer.headers['x-echo-version']], [['echo-v2'], ['v2']]);
    });

    test(`${label}: fail the first N attempts of a request id with a status, then succeed`, async () => {
      const id = `status-${label}`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await one({ url: `${v1.httpBase}/?fail_first=2&fail_with=502`, headers: { 'x-request-id': id } }, http2)).status);
      assert.deepEqual(statuses, [502, 502, 200, 200]);
      const missing = await one({ url: `${v1.httpBase}/?fail_first=1` }, http2);
      assert.equal(missing.status, 400);
    });
  }

  test('HTTP/1.1: fail the first N attempts by resetting the connection, then answer', async () => {
    const requests = Array.from({ length: 3 }, () => ({ url: `${v1.httpBase}/retry`, headers: { 'x-request-id': 'reset-h1', 'x-echo-fail-first': '2', 'x-echo-fail-with': 'reset' } }));
    const answers = await curl(requests);
    assert.deepEqual(answers.map((a) => [a.status, a.exitCode]), [[0, 56], [0, 56], [200, 0]]); // 56: recv failure (reset)
    assert.equal(answers[2]!.echo?.attempt, 3);
    assert.ok(answers.every((a) => a.newConnection), 'a reset connection is not reused');
  });

  test('HTTP/2: reset fails the stream (RST_STREAM), reset-connection the connection', async () => {
    const stream = await one({ url: `${v1.httpBase}/?fail_first=1&fail_with=reset`, headers: { 'x-request-id': 'reset-h2' } }, true);
    assert.equal(stream.status, 0);
    assert.equal(stream.exitCode, 92); // HTTP/2 stream error
    const connection = await one({ url: `${v1.httpBase}/?fail_first=1&fail_with=reset-connection`, headers: { 'x-request-id': 'reset-conn-h2' } }, true);
    assert.equal(connection.status, 0);
    assert.notEqual(connection.exitCode, 0);
    assert.equal((await one({ url: `${v1.httpBase}/?fail_first=1&fail_with=reset`, headers: { 'x-request-id': 'reset-h2' } }, true)).status, 200);
  });

  test('curl sends 20 requests on one keep-alive connection', async () => {
    const answers = await curl(Array.from({ length: 20 }, (_, i) => ({ url: `${v1.httpBase}/n/${i}` })));
    assert.deepEqual(answers.map((a) => a.newConnection), [true, ...Array(19).fill(false)]);
    assert.equal(new Set(answers.map((a) => a.localPort)).size, 1);
    assert.equal(new Set(answers.map((a) => a.echo!.clientPort)).size, 1, 'the echo saw one client port');
    assert.deepEqual(answers.map((a) => a.echo!.requestOnConnection), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual(answers.map((a) => a.echo!.path), Array.from({ length: 20 }, (_, i) => `/n/${i}`));
  });

  test('curl refuses several prior-knowledge HTTP/2 requests on this curl, rather than fail after the first', async () => {
    await assert.rejects(curl([{ url: `${v1.httpBase}/a` }, { url: `${v1.httpBase}/b` }], true), (error: Error) => error instanceof CurlError && /10634/.test(error.message));
  });

  test('gRPC: 20 unary calls on one channel, metadata echoed, trailers and initial metadata back', async () => {
    const report = await grpcEchoInPod(bed, 'client', {
      target: v1.grpcTarget,
      authority: 'echo:7070',
      call: 'unary',
      count: 20,
      metadata: { 'x-test-case': 'set', 'x-echo-headers': 'x-initial:1', 'x-echo-trailers': 'x-extra:2' },
    });
    assert.deepEqual(report.byPod, { 'echo-v1': 20 });
    assert.ok(report.calls.every((c) => c.code === 0 && c.answers.length === 1));
    const first = report.calls[0]!;
    const echo = first.answers[0]!;
    assert.deepEqual([echo.kind, echo.protocol, echo.path, echo.host, echo.version], ['grpc', 'HTTP/2', '/proto.EchoTestService/Echo', 'echo:7070', 'v1']);
    assert.deepEqual(echo.headers['x-test-case'], ['set']);
    assert.equal(echo.clientAddress, bed.pod('client').ip);
    assert.equal(new Set(report.calls.map((c) => c.answers[0]!.clientPort)).size, 1, 'one connection for every call');
    assert.deepEqual(first.headers['x-initial'], ['1']);
    assert.deepEqual([first.trailers['x-echo-pod'], first.trailers['x-echo-version'], first.trailers['x-extra']], [['echo-v1'], ['v1'], ['2']]);
  });

  test('gRPC: server, client and bidi streams', async () => {
    const server = await grpcEchoInPod(bed, 'client', { target: v2.grpcTarget, call: 'server-stream', count: 4, message: 'm' });
    assert.deepEqual(server.calls[0]!.answers.map((a) => a.sequence), [1, 2, 3, 4]);
    assert.deepEqual(server.byPod, { 'echo-v2': 4 });
    const client = await grpcEchoInPod(bed, 'client', { target: v2.grpcTarget, call: 'client-stream', count: 3, message: 'm' });
    assert.equal(client.calls[0]!.answers[0]!.received, 3);
    assert.equal(client.calls[0]!.answers[0]!.message, 'm-1-1,m-1-2,m-1-3');
    const bidi = await grpcEchoInPod(bed, 'client', { target: v2.grpcTarget, call: 'bidi', count: 3, message: 'm', metadata: { 'x-a': 'b' } });
    assert.deepEqual(bidi.calls[0]!.answers.map((a) => [a.sequence, a.message, a.headers['x-a']?.[0]]), [[1, 'm-1-1', 'b'], [2, 'm-1-2', 'b'], [3, 'm-1-3', 'b']]);
    assert.deepEqual(bidi.calls[0]!.trailers['x-echo-pod'], ['echo-v2']);
  });

  test('gRPC: a code, a delay past the deadline, and fail-first by request id', async () => {
    const coded = await grpcEchoInPod(bed, 'client', { target: v1.grpcTarget, call: 'unary', metadata: { 'x-echo-codes': '7' } });
    assert.equal(coded.calls[0]!.codeName, 'PERMISSION_DENIED');
    assert.deepEqual(coded.calls[0]!.trailers['x-echo-pod'], ['echo-v1']);
    const late = await grpcEchoInPod(bed, 'client', { target: v1.grpcTarget, call: 'unary', deadlineMs: 200, metadata: { 'x-echo-delay': '1s' } });
    assert.equal(late.calls[0]!.codeName, 'DEADLINE_EXCEEDED');
    const retried = await grpcEchoInPod(bed, 'client', { target: v1.grpcTarget, call: 'unary', count: 4, metadata: { 'x-request-id': 'grpc-1', 'x-echo-fail-first': '2' } });
    assert.deepEqual(retried.calls.map((c) => c.codeName), ['UNAVAILABLE', 'UNAVAILABLE', 'OK', 'OK']);
    assert.equal(retried.calls[2]!.answers[0]!.attempt, 3);
  });

  test('h2load: 500 requests on one HTTP/2 connection, 10 streams at a time; and HTTP/1.1', async () => {
    const h2 = await h2loadInPod(bed, 'client', { url: `${v2.httpBase}/load`, requests: 500, clients: 1, streams: 10 });
    assert.equal(h2.requests.succeeded, 500);
    assert.equal(h2.status['2xx'], 500);
    const h1 = await h2loadInPod(bed, 'client', { url: `${v1.httpBase}/load?codes=503`, requests: 50, h1: true });
    assert.equal(h1.status['5xx'], 50);
  });

  test('the TCP port echoes bytes back', async () => {
    const result = await worker.request('connect', { host: v1.ip, port: v1.ports.tcp[0], bytes: 100_000, expect: 'echo' });
    assert.equal(result.receivedBytes, 100_000);
    assert.equal(result.receivedSha256, result.sentSha256);
  });
});
