/**
 * Gateway-side HTTPRoute conformance tests for what the mesh suite does not
 * cover (kubernetes-sigs/gateway-api conformance/tests at 4564255), adapted
 * to GAMMA: the route's parent is the Service echo (port 80) instead of a
 * Gateway, infra-backend-v1/v2 are echo-v1 (node-1) and echo-v2 (node-2),
 * and the client is the mesh client pod on node-1 (gateway/*.yaml say what
 * changed). Checked more strictly than upstream: the pod that answered, the
 * attempts the backend counted, the time a timeout took, the mirror's copy
 * as the mirror backend saw it.
 *
 * Cross-node cases: HTTPRouteTimeoutBackendRequest and the HTTPRouteRetry*
 * tests send to echo-v2 (node-2), and every mirror copy to echo-v2 crosses
 * too; the rest answer on node-1 unless a case names echo-v2.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EchoApp } from '../../../testbed/echo/echo-app.js';
import { ConformanceMesh } from './conformance-mesh.js';
import { expectCases, expectResponse, type Case } from './expect-case.js';
import { splitProblems } from './weighted-split.js';
import { countByPod } from './weighted-split.js';

const mirrorRequests = 500;

/** The attempts of a request id the echo has answered, once there are `atLeast` (bounded), and a moment more for one too many. */
async function attemptsSeen(echo: EchoApp, requestId: string, atLeast: number): Promise<number> {
  const seen = () => echo.requests().filter((a) => a.requestId === requestId).length;
  for (let i = 0; i < 30 && seen() < atLeast; i++) await sleep(100);
  await sleep(400);
  return seen();
}

describe('Gateway API HTTPRoute conformance, gateway-side tests on mesh parents', { timeout: 300_000 }, () => {
  let mesh: ConformanceMesh;

  before(async () => {
    mesh = await ConformanceMesh.start();
  });

  after(async () => {
    await mesh?.destroy();
  });

  for (const [shortName, file, prefix, backend] of [
    ['HTTPRouteTimeoutRequest', 'gateway/httproute-timeout-request.yaml', 'request-timeout', 'echo-v1'],
    ['HTTPRouteTimeoutBackendRequest', 'gateway/httproute-timeout-backend-request.yaml', 'backend-timeout', 'echo-v2'],
  ] as const) {
    test(`${shortName}: 500ms answers 504 for a backend that takes 1s; 0s disables it`, async () => {
      await mesh.applyRoutes(file);
      await expectCases(mesh, [[{ path: `/${prefix}` }, { backend }]]);
      const timedOut = await expectResponse(mesh, { path: `/${prefix}?delay=1s` }, { status: 504 });
      // stricter: the proxy gave up at the timeout, not when the backend answered
      assert.ok(timedOut.timing.totalMs >= 450 && timedOut.timing.totalMs < 950, `answered after ${timedOut.timing.totalMs} ms`);
      const slow = await expectResponse(mesh, { path: `/disable-${prefix}?delay=1s` }, { backend });
      assert.ok(slow.timing.totalMs >= 1000, `answered after ${slow.timing.totalMs} ms`);
    });
  }

  test('HTTPRouteRetry: retries on the listed codes up to attempts, then passes the last answer on', async () => {
    await mesh.applyRoutes('gateway/httproute-retry.yaml');
    // upstream's responseCode/succeedAfter are the echo's fail_with/fail_first, counted per x-request-id
    const cases: Array<[path: string, code: number, failures: number, status: number, attempts: number]> = [
      ['/retry/code-500-attempts-3', 500, 2, 200, 3],
      ['/retry/code-500-attempts-3', 500, 4, 500, 4],
      ['/retry/code-500-attempts-3', 503, 2, 503, 1],
      ['/retry/code-all-attempts-2', 500, 1, 200, 2],
      ['/retry/code-all-attempts-2', 500, 3, 500, 3],
      ['/retry/code-all-attempts-2', 502, 1, 200, 2],
      ['/retry/code-all-attempts-2', 502, 3, 502, 3],
      ['/retry/code-all-attempts-2', 503, 1, 200, 2],
      ['/retry/code-all-attempts-2', 503, 3, 503, 3],
      ['/retry/code-all-attempts-2', 504, 1, 200, 2],
      ['/retry/code-all-attempts-2', 504, 3, 504, 3],
    ];
    const echo = mesh.echo('echo-v2');
    for (const [path, code, failures, status, attempts] of cases) {
      const requestId = randomUUID();
      const request = { path: `${path}?fail_first=${failures}&fail_with=${code}`, headers: { 'x-request-id': requestId } };
      const answer = await mesh.curl(request);
      const what = `${path} failing ${failures} times with ${code}`;
      assert.deepEqual([answer.status, answer.echo?.pod, answer.echo?.attempt], [status, 'echo-v2', attempts], what);
      // stricter: the backend saw exactly that many attempts, no more
      await echo.waitForRequest((a) => a.requestId === requestId && a.attempt === attempts, 3000);
      assert.equal(echo.requests().filter((a) => a.requestId === requestId).length, attempts, `${what}: attempts the backend saw`);
    }
  });

  test('HTTPRouteRetryConnectionError: retries attempts that the backend resets, with no codes listed', async () => {
    await mesh.applyRoutes('gateway/httproute-retry-connection-error.yaml');
    const echo = mesh.echo('echo-v2');
    for (const [failures, attempts, statuses] of [
      [2, 3, [200]],
      [4, 4, [500, 503]],
    ] as const) {
      const requestId = randomUUID();
      const answer = await mesh.curl({ path: `/retry/no-status-code-attempts-3?fail_first=${failures}&fail_with=reset-connection`, headers: { 'x-request-id': requestId } });
      assert.ok((statuses as readonly number[]).includes(answer.status), `${failures} resets: status ${answer.status}, want ${statuses.join(' or ')}`);
      if (answer.status === 200) assert.deepEqual([answer.echo?.pod, answer.echo?.attempt], ['echo-v2', attempts]);
      else assert.equal(answer.echo, undefined, 'the proxy answers once retries are spent');
      await echo.waitForRequest((a) => a.requestId === requestId && a.attempt === attempts, 3000);
      assert.equal(echo.requests().filter((a) => a.requestId === requestId).length, attempts, `${failures} resets: attempts the backend saw`);
    }
  });

  test('HTTPRouteRetryWithTimeouts: backendRequest timeouts are retried, the request timeout bounds them all', async () => {
    await mesh.applyRoutes('gateway/httproute-retry-with-timeouts.yaml');
    // upstream's delayRetry (a delay on the failing attempts only) is the echo's fail_delay
    // attempts: what the backend sees at least; seenAtMost: at most (a fifth attempt may start just before the 400ms deadline)
    const cases: Array<[path: string, knobs: string, status: number, attempts: number, seenAtMost: number]> = [
      // succeeds after 2 retries on backend timeout with max attempts is 3
      ['/retry/backend-request-timeout-200ms', 'fail_first=2&fail_with=500&fail_delay=300ms', 200, 3, 3],
      // fails when required retries on backend timeout exceed max attempts
      ['/retry/backend-request-timeout-200ms', 'fail_first=3&fail_with=500&fail_delay=300ms', 504, 3, 3],
      // succeeds when retries complete within the request timeout
      ['/retry/request-timeout-200ms', 'fail_first=1&fail_with=500', 200, 2, 2],
      // fails with 504 when retry delays exceed the request timeout (400ms: four 100ms failures, no fifth attempt answered)
      ['/retry/request-timeout-200ms', 'fail_first=4&fail_with=500&fail_delay=100ms', 504, 4, 5],
    ];
    const echo = mesh.echo('echo-v2');
    for (const [path, knobs, status, attempts, seenAtMost] of cases) {
      const requestId = randomUUID();
      const answer = await mesh.curl({ path: `${path}?${knobs}`, headers: { 'x-request-id': requestId } });
      assert.equal(answer.status, status, `${path}?${knobs}`);
      if (status === 200) assert.deepEqual([answer.echo?.pod, answer.echo?.attempt], ['echo-v2', attempts]);
      // stricter: the attempts the backend saw (a timed-out attempt arrived all the same; it logs when its delay is over)
      const seen = await attemptsSeen(echo, requestId, attempts);
      assert.ok(seen >= attempts && seen <= seenAtMost, `${path}?${knobs}: the backend saw ${seen} attempts, want ${attempts}..${seenAtMost}`);
    }
  });

  test('HTTPRouteMethodMatching: method matches, alone and with others, by precedence', async () => {
    await mesh.applyRoutes('gateway/httproute-method-matching.yaml');
    const either = ['echo-v1', 'echo-v2'];
    const cases: Case[] = [
      [{ method: 'POST', path: '/' }, { backend: 'echo-v1' }],
      [{ method: 'GET', path: '/' }, { backend: 'echo-v2' }],
      [{ method: 'HEAD', path: '/' }, { status: 404 }],
      // Combinations of method matching with other core matches.
      [{ method: 'GET', path: '/path1' }, { backend: 'echo-v1' }],
      [{ method: 'PUT', path: '/', headers: { version: 'one' } }, { backend: 'echo-v2' }],
      // infra-backend-v3 is the Service echo here: either pod
      [{ method: 'POST', path: '/path2', headers: { version: 'two' } }, { backend: either }],
      // ORed matches match with only one of them used.
      [{ method: 'PATCH', path: '/path3' }, { backend: 'echo-v1' }],
      [{ method: 'DELETE', path: '/path4', headers: { version: 'three' } }, { backend: 'echo-v1' }],
      // ANDed match types do not match with only a subset used.
      [{ method: 'PUT', path: '/' }, { status: 404 }],
      [{ method: 'DELETE', path: '/path4' }, { status: 404 }],
      // Precedence among requests that satisfy several matches.
      [{ method: 'PATCH', path: '/path5' }, { backend: 'echo-v1' }],
      [{ method: 'PATCH', path: '/', headers: { version: 'four' } }, { backend: 'echo-v2' }],
    ];
    await expectCases(mesh, cases);
  });

  test('HTTPRouteRewriteHost: URLRewrite hostname, alone and with header modifiers', async () => {
    await mesh.applyRoutes('gateway/httproute-rewrite-host.yaml');
    const host = { Host: 'rewrite.example' };
    await expectCases(mesh, [
      [{ path: '/one', headers: host }, { backend: 'echo-v1', host: 'one.example.org' }],
      [{ path: '/', headers: host }, { backend: 'echo-v2', host: 'example.org' }],
      [
        { path: '/rewrite-host-and-modify-headers', headers: { ...host, 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Set': 'set-val' } },
        {
          backend: 'echo-v2',
          host: 'test.example.org',
          requestHeaders: { 'X-Header-Add': 'header-val-1', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Set': 'set-overwrites-values' },
          absentRequestHeaders: ['X-Header-Remove'],
        },
      ],
      // stricter: the path and query are left alone, and GAMMA ignores hostnames (another Host is rewritten too)
      [{ path: '/one/two?q=1', headers: { Host: 'elsewhere.example' } }, { backend: 'echo-v1', host: 'one.example.org' }],
    ]);
  });

  test('HTTPRouteResponseHeaderModifier: set, add and remove response headers', async () => {
    await mesh.applyRoutes('gateway/httproute-response-header-modifier.yaml');
    // upstream's BackendSetResponseHeaders: the echo's x-echo-headers knob
    const backendSets = (headers: Record<string, string>) => ({ 'x-echo-headers': Object.entries(headers).map(([name, value]) => `${name}:${value}`).join(',') });
    await expectCases(mesh, [
      [{ path: '/set', headers: backendSets({ 'Some-Other-Header': 'val' }) }, { backend: 'echo-v1', responseHeaders: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } }],
      [
        { path: '/set', headers: backendSets({ 'Some-Other-Header': 'val', 'X-Header-Set': 'some-other-value' }) },
        { backend: 'echo-v1', responseHeaders: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } },
      ],
      [{ path: '/add', headers: backendSets({ 'Some-Other-Header': 'val' }) }, { backend: 'echo-v1', responseHeaders: { 'Some-Other-Header': 'val', 'X-Header-Add': 'add-appends-values' } }],
      [
        { path: '/add', headers: backendSets({ 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value' }) },
        { backend: 'echo-v1', responseHeaders: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value,add-appends-values' } },
      ],
      [{ path: '/remove', headers: backendSets({ 'X-Header-Remove': 'val' }) }, { backend: 'echo-v1', absentResponseHeaders: ['X-Header-Remove'] }],
      [
        { path: '/multiple', headers: backendSets({ 'X-Header-Set-2': 'set-val-2', 'X-Header-Add-2': 'add-val-2', 'X-Header-Remove-2': 'remove-val-2', 'Another-Header': 'another-header-val', 'X-Header-Remove-1': 'val' }) },
        {
          backend: 'echo-v1',
          responseHeaders: {
            'X-Header-Set-1': 'header-set-1',
            'X-Header-Set-2': 'header-set-2',
            'X-Header-Add-1': 'header-add-1',
            'X-Header-Add-2': 'add-val-2,header-add-2',
            'X-Header-Add-3': 'header-add-3',
            'Another-Header': 'another-header-val',
          },
          absentResponseHeaders: ['X-Header-Remove-1', 'X-Header-Remove-2'],
        },
      ],
      [
        { path: '/case-insensitivity', headers: backendSets({ 'x-header-set': 'original-val-set', 'x-header-add': 'original-val-add', 'x-header-remove': 'original-val-remove', 'Another-Header': 'another-header-val' }) },
        {
          backend: 'echo-v1',
          responseHeaders: {
            'X-Header-Set': 'header-set',
            'X-Header-Add': 'original-val-add,header-add',
            'X-Lowercase-Add': 'lowercase-add',
            'X-Mixedcase-Add-1': 'mixedcase-add-1',
            'X-Mixedcase-Add-2': 'mixedcase-add-2',
            'X-Uppercase-Add': 'uppercase-add',
            'Another-Header': 'another-header-val',
          },
          absentResponseHeaders: ['X-Header-Remove'],
        },
      ],
      [
        {
          path: '/response-and-request-header-modifiers',
          headers: {
            'X-Header-Remove': 'remove-val',
            'X-Header-Add-Append': 'append-val-1',
            'X-Header-Echo': 'echo',
            ...backendSets({ 'X-Header-Set-2': 'set-val-2', 'X-Header-Add-2': 'add-val-2', 'X-Header-Remove-2': 'remove-val-2', 'Another-Header': 'another-header-val', 'X-Header-Remove-1': 'remove-val-1', 'X-Header-Echo': 'echo' }),
          },
        },
        {
          backend: 'echo-v1',
          requestHeaders: { 'X-Header-Add': 'header-val-1', 'X-Header-Set': 'set-overwrites-values', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Echo': 'echo' },
          absentRequestHeaders: ['X-Header-Remove'],
          responseHeaders: { 'X-Header-Set-1': 'header-set-1', 'X-Header-Set-2': 'header-set-2', 'X-Header-Add-1': 'header-add-1', 'X-Header-Add-2': 'add-val-2,header-add-2', 'Another-Header': 'another-header-val', 'X-Header-Echo': 'echo' },
          absentResponseHeaders: ['X-Header-Remove-1', 'X-Header-Remove-2'],
        },
      ],
    ]);
  });

  test('HTTPRouteRequestMultipleMirrors: two mirrors each get one copy', async () => {
    await mesh.applyRoutes('gateway/httproute-request-multiple-mirrors.yaml');
    const v1 = mesh.echo('echo-v1');
    const v2 = mesh.echo('echo-v2');
    for (const [prefix, headers, seen] of [
      ['/multi-mirror', {}, {}],
      [
        '/multi-mirror-and-modify-request-headers',
        { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1' },
        { 'x-header-add': 'header-val-1', 'x-header-add-append': 'append-val-1,header-val-2', 'x-header-set': 'set-overwrites-values' },
      ],
    ] as const) {
      const path = `${prefix}?id=${randomUUID()}`;
      const answer = await mesh.curl({ path, headers });
      assert.deepEqual([answer.status, answer.echo?.pod], [200, 'echo-v1']);
      // echo-v1 is the backend and (as infra-backend-v3, through its Service's port 80) the second mirror: two copies there
      await v2.waitForRequest((a) => a.path === path, 5000);
      for (let i = 0; i < 50 && v1.requests().filter((a) => a.path === path).length < 2; i++) await sleep(100);
      await sleep(200); // a third copy, if the proxy sent one, would be here by now
      const copies = [...v1.requests(), ...v2.requests()].filter((a) => a.path === path);
      assert.deepEqual(copies.map((a) => a.pod).sort(), ['echo-v1', 'echo-v1', 'echo-v2']);
      for (const copy of copies) {
        assert.deepEqual(Object.fromEntries(Object.keys(seen).map((name) => [name, copy.headers[name]?.join(',')])), seen, `${prefix}: headers at ${copy.pod}`);
        assert.equal(copy.headers['x-header-remove'], undefined);
      }
    }
  });

  test('HTTPRouteRequestPercentageMirror: percent and fraction mirror that share of 500 requests, within a 5-sigma binomial bound', async () => {
    await mesh.applyRoutes('gateway/httproute-request-percentage-mirror.yaml');
    const mirror = mesh.echo('echo-v2');
    const cases: Array<[prefix: string, percent: number, headers: Record<string, string>]> = [
      ['/percent-mirror', 20, {}],
      ['/percent-mirror-fraction', 50, {}],
      ['/percent-mirror-and-modify-headers', 35, { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1' }],
    ];
    for (const [prefix, percent, headers] of cases) {
      const run = randomUUID();
      const answers = await mesh.curlMany(Array.from({ length: mirrorRequests }, (_, i) => ({ path: `${prefix}?run=${run}&i=${i}`, headers })));
      assert.deepEqual(countByPod(answers.map((a) => (a.status === 200 ? a.echo?.pod : `status ${a.status}`))), { 'echo-v1': mirrorRequests });
      // Mirrors are sent beside the request and not waited for: count once their number stops growing.
      const copies = () => mirror.requests().filter((a) => a.path.startsWith(`${prefix}?run=${run}&`)).length;
      let count = copies();
      for (let i = 0; i < 30; i++) {
        await sleep(100);
        const now = copies();
        if (now === count && i >= 2) break;
        count = now;
      }
      assert.deepEqual(splitProblems({ mirrored: count, kept: mirrorRequests - count }, { mirrored: percent, kept: 100 - percent }), [], `${prefix}`);
    }
  });

  test('HTTPRouteRequestMirror: the mirror backend gets a copy (with the rule\'s header changes), the client only the primary answer', async () => {
    await mesh.applyRoutes('gateway/httproute-request-mirror.yaml');
    const mirror = mesh.echo('echo-v2');
    for (const [prefix, headers, seen, absent] of [
      ['/mirror', { 'X-Header-Kept': 'kept' }, { 'x-header-kept': 'kept' }, []],
      [
        '/mirror-and-modify-headers',
        { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Set': 'set-val' },
        { 'x-header-add': 'header-val-1', 'x-header-add-append': 'append-val-1,header-val-2', 'x-header-set': 'set-overwrites-values' },
        ['x-header-remove'],
      ],
    ] as const) {
      const path = `${prefix}?id=${randomUUID()}`;
      await expectResponse(mesh, { path, headers }, { backend: 'echo-v1', requestHeaders: seen, absentRequestHeaders: [...absent] });
      const copy = await mirror.waitForRequest((a) => a.path === path, 5000);
      const copied = Object.fromEntries(Object.keys(seen).map((name) => [name, copy.headers[name]?.join(',')]));
      assert.deepEqual([copy.pod, copy.method, copied], ['echo-v2', 'GET', seen], `${prefix}: the mirror's copy`);
      assert.deepEqual(absent.filter((name) => copy.headers[name] !== undefined), []);
    }
  });
});
