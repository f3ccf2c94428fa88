/**
 * The request/expectation tables of the upstream mesh tests that are tables
 * (conformance/tests/mesh/*.go at gateway-api 4564255), each case as
 * upstream writes it, then, marked "stricter", cases upstream does not have:
 * a query kept through a rewrite or a redirect, the proxy's own 404 where no
 * rule matches. Upstream's default Host is `echo`; a backend that is not
 * given means the proxy itself must answer (a redirect, a 404).
 * Where upstream expects something the spec does not say, the spec wins and
 * the comment says so.
 */
import type { Case } from './expect-case.js';

const v1 = 'echo-v1';
const v2 = 'echo-v2';

export const httpRouteMatchingCases: Case[] = [
  [{ path: '/' }, { backend: v1, host: 'echo' }],
  [{ path: '/example' }, { backend: v1 }],
  [{ path: '/', headers: { Version: 'one' } }, { backend: v1 }],
  [{ path: '/v2' }, { backend: v2 }],
  [{ path: '/v2/example' }, { backend: v2 }],
  [{ path: '/', headers: { Version: 'two' } }, { backend: v2 }],
  [{ path: '/v2/' }, { backend: v2 }],
  // Not a path segment prefix so should not match /v2.
  [{ path: '/v2example' }, { backend: v1 }],
  [{ path: '/foo/v2/example' }, { backend: v1 }],
  // stricter: the query reaches the backend as sent
  [{ path: '/v2/example?a=1&b=two%20words' }, { backend: v2 }],
];

export const queryParamMatchingCases: Case[] = [
  [{ path: '/?animal=whale' }, { backend: v1 }],
  [{ path: '/?animal=dolphin' }, { backend: v2 }],
  [{ path: '/?animal=whale&otherparam=irrelevant' }, { backend: v1 }],
  [{ path: '/?animal=dolphin&color=yellow' }, { backend: v2 }],
  [{ path: '/?color=blue' }, { status: 404 }],
  [{ path: '/?animal=dog' }, { status: 404 }],
  [{ path: '/?animal=whaledolphin' }, { status: 404 }],
  [{ path: '/' }, { status: 404 }],
  // Combinations of query param matching with other core matches.
  [{ path: '/path1?animal=whale' }, { backend: v1 }],
  [{ path: '/?animal=whale', headers: { version: 'one' } }, { backend: v2 }],
  // Combinations of matches which are OR'd together match even if only one of them is used.
  [{ path: '/path3?animal=shark' }, { backend: v1 }],
  [{ path: '/path4?animal=kraken', headers: { version: 'three' } }, { backend: v1 }],
  // Combinations of match types which are ANDed together do not match when only a subset is used.
  [{ path: '/?animal=shark' }, { status: 404 }],
  [{ path: '/path4?animal=kraken' }, { status: 404 }],
  // Precedence: a path match beats a query param match.
  [{ path: '/path5?animal=hydra' }, { backend: v1 }],
];

const redirect = (path: string, status: number, location: string): Case => [{ host: 'echo', path }, { status, location }];

export const redirectHostAndStatusCases: Case[] = [
  redirect('/hostname-redirect', 302, 'http://example.org/hostname-redirect'),
  redirect('/host-and-status', 301, 'http://example.org/host-and-status'),
  // stricter: the query is kept
  redirect('/hostname-redirect/a?x=1&y=2', 302, 'http://example.org/hostname-redirect/a?x=1&y=2'),
];

export const redirectPathCases: Case[] = [
  redirect('/original-prefix/lemon', 302, 'http://echo/replacement-prefix/lemon'),
  redirect('/full/path/original', 302, 'http://echo/full-path-replacement'),
  redirect('/path-and-host', 302, 'http://example.org/replacement-prefix'),
  redirect('/path-and-status', 301, 'http://echo/replacement-prefix'),
  redirect('/full-path-and-host', 302, 'http://example.org/replacement-full'),
  redirect('/full-path-and-status', 301, 'http://echo/replacement-full'),
  // stricter: the query is kept; the prefix alone is replaced whole
  redirect('/original-prefix/lemon?x=1', 302, 'http://echo/replacement-prefix/lemon?x=1'),
  redirect('/original-prefix', 302, 'http://echo/replacement-prefix'),
];

export const redirectPortCases: Case[] = [
  redirect('/port', 302, 'http://echo:8083/port'),
  redirect('/port-and-host', 302, 'http://example.org:8083/port-and-host'),
  redirect('/port-and-status', 301, 'http://echo:8083/port-and-status'),
  redirect('/port-and-host-and-status', 302, 'http://example.org:8083/port-and-host-and-status'),
];

// A scheme without a port: the scheme's well-known port, so none is written.
export const redirectSchemeCases: Case[] = [
  redirect('/scheme', 302, 'https://echo/scheme'),
  redirect('/scheme-and-host', 302, 'https://example.org/scheme-and-host'),
  redirect('/scheme-and-status', 301, 'https://echo/scheme-and-status'),
  redirect('/scheme-and-host-and-status', 302, 'https://example.org/scheme-and-host-and-status'),
];

const modifiedHeaders = {
  requestHeaders: { 'X-Header-Add': 'header-val-1', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Set': 'set-overwrites-values' },
  absentRequestHeaders: ['X-Header-Remove'],
};
const headersToModify = { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Set': 'set-val' };

export const rewritePathCases: Case[] = [
  [{ host: 'echo', path: '/prefix/one/two' }, { backend: v1, path: '/one/two' }],
  [{ host: 'echo', path: '/strip-prefix/three' }, { backend: v1, path: '/three' }],
  [{ host: 'echo', path: '/strip-prefix' }, { backend: v1, path: '/' }],
  [{ host: 'echo', path: '/full/one/two' }, { backend: v1, path: '/one' }],
  [{ host: 'echo', path: '/full/rewrite-path-and-modify-headers/test', headers: headersToModify }, { backend: v1, path: '/test', ...modifiedHeaders }],
  [{ host: 'echo', path: '/prefix/rewrite-path-and-modify-headers/one', headers: headersToModify }, { backend: v1, path: '/prefix/one', ...modifiedHeaders }],
  // stricter: the query survives both kinds of rewrite, and Host is left alone
  [{ host: 'echo', path: '/prefix/one/two?q=1&r=2' }, { backend: v1, path: '/one/two?q=1&r=2', host: 'echo' }],
  [{ host: 'echo', path: '/strip-prefix?q=1' }, { backend: v1, path: '/?q=1' }],
  [{ host: 'echo', path: '/full/one/two?q=1' }, { backend: v1, path: '/one?q=1' }],
];

/** MeshHTTPRouteRequestHeaderModifier and its backendRef-filter variant: the same cases. */
export const requestHeaderModifierCases: Case[] = [
  [{ path: '/set', headers: { 'Some-Other-Header': 'val' } }, { backend: v1, requestHeaders: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } }],
  [
    { path: '/set', headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'some-other-value' } },
    { backend: v1, requestHeaders: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } },
  ],
  [{ path: '/add', headers: { 'Some-Other-Header': 'val' } }, { backend: v1, requestHeaders: { 'Some-Other-Header': 'val', 'X-Header-Add': 'add-appends-values' } }],
  [
    { path: '/add', headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value' } },
    { backend: v1, requestHeaders: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value,add-appends-values' } },
  ],
  [{ path: '/remove', headers: { 'X-Header-Remove': 'val' } }, { backend: v1, absentRequestHeaders: ['X-Header-Remove'] }],
  [
    { path: '/multiple', headers: { 'X-Header-Set-2': 'set-val-2', 'X-Header-Add-2': 'add-val-2', 'X-Header-Remove-2': 'remove-val-2', 'Another-Header': 'another-header-val' } },
    {
      backend: v1,
      requestHeaders: {
        'X-Header-Set-1': 'header-set-1',
        'X-Header-Set-2': 'header-set-2',
        'X-Header-Add-1': 'header-add-1',
        'X-Header-Add-2': 'add-val-2,header-add-2',
        'X-Header-Add-3': 'header-add-3',
        'Another-Header': 'another-header-val',
      },
      absentRequestHeaders: ['X-Header-Remove-1', 'X-Header-Remove-2'],
    },
  ],
  [
    // The filter uses canonicalized header names, the request uses lowercase names.
    { path: '/case-insensitivity', headers: { 'x-header-set': 'original-val-set', 'x-header-add': 'original-val-add', 'x-header-remove': 'original-val-remove', 'Another-Header': 'another-header-val' } },
    { backend: v1, requestHeaders: { 'X-Header-Set': 'header-set', 'X-Header-Add': 'original-val-add,header-add', 'Another-Header': 'another-header-val' }, absentRequestHeaders: ['x-header-remove'] },
  ],
];
