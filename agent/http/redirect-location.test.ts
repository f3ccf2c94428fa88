/**
 * RequestRedirect's status and Location, with the conformance suite's cases:
 * the mesh ones (tests/mesh/httproute-redirect-*.yaml, httproute-30x-redirect:
 * a client calls Service echo, port 80, with Host "echo") through the route
 * table, and httproute-redirect-port-and-scheme's listener-port cases, where
 * a mesh's "listener port" is the Service port the request was sent to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestRedirect } from '../../model/route-types.js';
import { hostWithoutPort, redirectLocation } from './redirect-location.js';
import { RouteTable } from './route-table.js';
import { httpRoute, match, parent, request, service } from './testing/route-fixtures.js';

const echo = service('shop', 'echo');

function redirectRule(prefix: string, requestRedirect: Partial<RequestRedirect>) {
  return {
    matches: [match({ path: { type: 'PathPrefix', value: prefix } })],
    filters: [{ type: 'RequestRedirect' as const, requestRedirect: { statusCode: 302 as const, ...requestRedirect } }],
    backendRefs: [],
  };
}

/** Host "echo", port 80, plain http: what the conformance suite's mesh client sends. */
function meshRedirect(rules: ReturnType<typeof redirectRule>[]) {
  const routes = RouteTable.compile({ services: [echo], grpcRoutes: [], httpRoutes: [httpRoute('shop', 'mesh-redirect', [parent('shop', 'echo')], rules)] });
  return (target: string) => {
    const view = request(target, { headers: { host: 'echo' } });
    const hit = routes.lookup(echo, 80, 'shop', view);
    assert.ok(hit?.outcome === 'matched' && hit.kind === 'HTTPRoute', `no route for ${target}`);
    const filter = hit.rule.filters[0];
    assert.ok(filter?.type === 'RequestRedirect');
    const { statusCode, location } = redirectLocation({ ...view, scheme: 'http', host: 'echo', port: 80 }, filter.requestRedirect, hit.matchedPrefix);
    return `${statusCode} ${location}`;
  };
}

describe('conformance: mesh/httproute-redirect-path', () => {
  const to = meshRedirect([
    redirectRule('/original-prefix', { path: { type: 'ReplacePrefixMatch', value: '/replacement-prefix' } }),
    redirectRule('/full', { path: { type: 'ReplaceFullPath', value: '/full-path-replacement' } }),
    redirectRule('/path-and-host', { hostname: 'example.org', path: { type: 'ReplacePrefixMatch', value: '/replacement-prefix' } }),
    redirectRule('/path-and-status', { path: { type: 'ReplacePrefixMatch', value: '/replacement-prefix' }, statusCode: 301 }),
    redirectRule('/full-path-and-host', { hostname: 'example.org', path: { type: 'ReplaceFullPath', value: '/replacement-full' } }),
    redirectRule('/full-path-and-status', { path: { type: 'ReplaceFullPath', value: '/replacement-full' }, statusCode: 301 }),
  ]);
  const cases: Array<[string, string]> = [
    ['/original-prefix/lemon', '302 http://echo/replacement-prefix/lemon'],
    ['/full/path/original', '302 http://echo/full-path-replacement'],
    ['/path-and-host', '302 http://example.org/replacement-prefix'],
    ['/path-and-status', '301 http://echo/replacement-prefix'],
    ['/full-path-and-host', '302 http://example.org/replacement-full'],
    ['/full-path-and-status', '301 http://echo/replacement-full'],
  ];
  for (const [path, expected] of cases) it(`${path} -> ${expected}`, () => assert.equal(to(path), expected));
});

describe('conformance: mesh/httproute-redirect-host-and-status', () => {
  const to = meshRedirect([redirectRule('/hostname-redirect', { hostname: 'example.org' }), redirectRule('/host-and-status', { statusCode: 301, hostname: 'example.org' })]);
  it('/hostname-redirect -> 302 http://example.org/hostname-redirect', () => assert.equal(to('/hostname-redirect'), '302 http://example.org/hostname-redirect'));
  it('/host-and-status -> 301 http://example.org/host-and-status', () => assert.equal(to('/host-and-status'), '301 http://example.org/host-and-status'));
});

describe('conformance: mesh/httproute-redirect-port', () => {
  const to = meshRedirect([
    redirectRule('/port', { port: 8083 }),
    redirectRule('/port-and-host', { hostname: 'example.org', port: 8083 }),
    redirectRule('/port-and-status', { port: 8083, statusCode: 301 }),
    redirectRule('/port-and-host-and-status', { port: 8083, hostname: 'example.org', statusCode: 302 }),
  ]);
  const cases: Array<[string, string]> = [
    ['/port', '302 http://echo:8083/port'],
    ['/port-and-host', '302 http://example.org:8083/port-and-host'],
    ['/port-and-status', '301 http://echo:8083/port-and-status'],
    ['/port-and-host-and-status', '302 http://example.org:8083/port-and-host-and-status'],
  ];
  for (const [path, expected] of cases) it(`${path} -> ${expected}`, () => assert.equal(to(path), expected));
});

describe('conformance: mesh/httproute-redirect-scheme', () => {
  const to = meshRedirect([
    redirectRule('/scheme', { scheme: 'https' }),
    redirectRule('/scheme-and-host', { hostname: 'example.org', scheme: 'https' }),
    redirectRule('/scheme-and-status', { scheme: 'https', statusCode: 301 }),
    redirectRule('/scheme-and-host-and-status', { scheme: 'https', statusCode: 302, hostname: 'example.org' }),
  ]);
  const cases: Array<[string, string]> = [
    ['/scheme', '302 https://echo/scheme'],
    ['/scheme-and-host', '302 https://example.org/scheme-and-host'],
    ['/scheme-and-status', '301 https://echo/scheme-and-status'],
    ['/scheme-and-host-and-status', '302 https://example.org/scheme-and-host-and-status'],
  ];
  for (const [path, expected] of cases) it(`${path} -> ${expected}`, () => assert.equal(to(path), expected));
});

describe('conformance: mesh/httproute-303-redirect, -307-, -308-', () => {
  for (const statusCode of [303, 307, 308] as const) {
    it(`/redirect -> ${statusCode} http://echo/redirect`, () => assert.equal(meshRedirect([redirectRule('/redirect', { statusCode })])('/redirect'), `${statusCode} http://echo/redirect`));
  }
});

describe('conformance: httproute-redirect-port-and-scheme (the port a request came to is the listener port)', () => {
  const location = (scheme: 'http' | 'https', listenerPort: number, path: string, redirect: Partial<RequestRedirect>) =>
    redirectLocation({ scheme, host: 'example.org', port: listenerPort, path, query: '' }, { statusCode: 302, hostname: 'example.org', ...redirect }, undefined).location;
  const cases: Array<['http' | 'https', number, string, Partial<RequestRedirect>, string]> = [
    ['http', 80, '/scheme-nil-and-port-nil', {}, 'http://example.org/scheme-nil-and-port-nil'],
    ['http', 80, '/scheme-nil-and-port-80', { port: 80 }, 'http://example.org/scheme-nil-and-port-80'],
    ['http', 80, '/scheme-nil-and-port-8080', { port: 8080 }, 'http://example.org:8080/scheme-nil-and-port-8080'],
    ['http', 80, '/scheme-https-and-port-nil', { scheme: 'https' }, 'https://example.org/scheme-https-and-port-nil'],
    ['http', 80, '/scheme-https-and-port-443', { scheme: 'https', port: 443 }, 'https://example.org/scheme-https-and-port-443'],
    ['http', 80, '/scheme-https-and-port-8443', { scheme: 'https', port: 8443 }, 'https://example.org:8443/scheme-https-and-port-8443'],
    ['http', 8080, '/scheme-nil-and-port-nil', {}, 'http://example.org:8080/scheme-nil-and-port-nil'],
    ['http', 8080, '/scheme-nil-and-port-80', { port: 80 }, 'http://example.org/scheme-nil-and-port-80'],
    ['http', 8080, '/scheme-https-and-port-nil', { scheme: 'https' }, 'https://example.org/scheme-https-and-port-nil'],
    ['https', 443, '/scheme-nil-and-port-nil', {}, 'https://example.org/scheme-nil-and-port-nil'],
    ['https', 443, '/scheme-nil-and-port-443', { port: 443 }, 'https://example.org/scheme-nil-and-port-443'],
    ['https', 443, '/scheme-nil-and-port-8443', { port: 8443 }, 'https://example.org:8443/scheme-nil-and-port-8443'],
    ['https', 443, '/scheme-http-and-port-nil', { scheme: 'http' }, 'http://example.org/scheme-http-and-port-nil'],
    ['https', 443, '/scheme-http-and-port-80', { scheme: 'http', port: 80 }, 'http://example.org/scheme-http-and-port-80'],
    ['https', 443, '/scheme-http-and-port-8080', { scheme: 'http', port: 8080 }, 'http://example.org:8080/scheme-http-and-port-8080'],
  ];
  for (const [scheme, port, path, redirect, expected] of cases) {
    it(`${scheme} on ${port}, ${path} -> ${expected}`, () => assert.equal(location(scheme, port, path, redirect), expected));
  }
});

describe('redirectLocation, beyond the conformance cases', () => {
  const base = { scheme: 'http' as const, host: 'echo.shop:8080', port: 8080, path: '/a', query: 'x=1&y=2' };

  it('takes the hostname from Host without its port, and the port from the Service port', () => {
    assert.equal(redirectLocation(base, { statusCode: 302, path: { type: 'ReplaceFullPath', value: '/b' } }, undefined).location, 'http://echo.shop:8080/b?x=1&y=2');
  });

  it('keeps the query', () => {
    assert.equal(redirectLocation(base, { statusCode: 301, hostname: 'example.org' }, undefined).location, 'http://example.org:8080/a?x=1&y=2');
  });

  it('follows a changed scheme to its well-known port when no port is given', () => {
    assert.equal(redirectLocation(base, { statusCode: 302, scheme: 'https' }, undefined).location, 'https://echo.shop/a?x=1&y=2');
  });

  it('gives a relative Location when the request named no host and the filter names none', () => {
    assert.equal(redirectLocation({ ...base, host: '' }, { statusCode: 302 }, undefined).location, '/a?x=1&y=2');
  });

  it('strips the port from IPv6 and named hosts alike', () => {
    assert.equal(hostWithoutPort('[fd00::1]:8080'), '[fd00::1]');
    assert.equal(hostWithoutPort('[fd00::1]'), '[fd00::1]');
    assert.equal(hostWithoutPort('echo:80'), 'echo');
    assert.equal(hostWithoutPort('echo'), 'echo');
  });
});
