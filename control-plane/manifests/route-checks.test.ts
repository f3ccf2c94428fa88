import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../core/duration.js';
import { errors, isEnforcementNotice, issueAt, lineInDocument } from './issue-assertions.js';
import { formatIssue } from '../../model/issues.js';
import { loadManifests } from './load-manifests.js';
import { compileRouteRegex, regexProblem } from '../../model/route-regex.js';

const FILE = 'routes.yaml';

// Document 0 is the Service routes refer to; 1 and 2 are good; each later
// document carries the planted mistakes listed below.
const routes = `apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec:
  clusterIP: 10.96.0.20
  selector: { app: reviews }
  ports: [{ name: http, port: 9080 }, { name: grpc, port: 9090 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: defaults, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
  rules:
    - backendRefs: [{ name: reviews, port: 9080 }]
    - matches: [{ headers: [{ name: x-canary, value: "1" }] }]
      backendRefs: [{ name: reviews, port: 9080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: grpc-defaults, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews, port: 9090 }]
  rules:
    - backendRefs: [{ name: reviews, port: 9090 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: refs, namespace: shop }
spec:
  parentRefs:
    - { group: "", kind: Service, name: ratings }
    - { group: "", kind: Service, name: reviews, port: 8080 }
    - { group: "", kind: Service, name: reviews, sectionName: admin }
  rules:
    - backendRefs:
        - { name: reviews, port: 9999 }
        - { name: reviews, namespace: other, port: 9080 }
      filters:
        - { type: RequestMirror, requestMirror: { backendRef: { name: shadow, port: 80 } } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: kinds, namespace: shop }
spec:
  parentRefs:
    - { name: reviews }
  rules:
    - backendRefs:
        - { kind: ConfigMap, name: reviews, port: 9080 }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: rules, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
  rules:
    - matches:
        - path: { type: RegularExpression, value: "/api/(v1" }
        - path: { type: PathPrefix, value: api }
        - path: { type: Exact, value: /a//b }
          headers: [{ name: x-a, value: "[", type: RegularExpression }]
      backendRefs: [{ name: reviews, port: 9080, weight: 0 }, { name: reviews, port: 9090, weight: 0 }]
      timeouts: { request: 1s, backendRequest: 2s }
    - filters:
        - { type: RequestHeaderModifier }
        - { type: RequestMirror, requestMirror: { backendRef: { name: reviews, port: 9080 }, percent: 5, fraction: { numerator: 1 } } }
      backendRefs: [{ name: reviews, port: 9080 }]
    - matches: [{ path: { type: Exact, value: /old } }]
      filters: # redirect and rewrite
        - { type: RequestRedirect, requestRedirect: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /new } } }
        - { type: URLRewrite, urlRewrite: { hostname: x.example.com } }
      backendRefs: [{ name: reviews, port: 9080 }] # and a backend
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: schema, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
  rules:
    - filters: [{ type: ExtensionRef }]
      timeouts: { request: 10 seconds }
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: grpc, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
  rules:
    - matches:
        - method: { type: Exact }
        - method: { service: "shop/v1", method: Get }
        - method: { type: RegularExpression, service: "shop.(" }
      backendRefs: [{ name: reviews, port: 9090 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: grpc-schema, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
  rules:
    - backendRefs: [{ name: reviews, port: 9090 }]
      retry: { codes: [503] }
`;

describe('HTTPRoute and GRPCRoute', () => {
  const { config, issues } = loadManifests([{ file: FILE, text: routes }]);

  it('loads the good routes with the Gateway API defaults filled in', () => {
    assert.deepEqual(config.httpRoutes.map((route) => route.name), ['defaults']);
    assert.deepEqual(config.grpcRoutes.map((route) => route.name), ['grpc-defaults']);
    const [route] = config.httpRoutes;
    assert.ok(route);
    assert.deepEqual(route.parentRefs, [{ name: 'reviews', namespace: 'shop' }]);
    assert.deepEqual(route.hostnames, []);
    // A rule without matches matches PathPrefix "/"; a match without a path too.
    assert.deepEqual(route.rules.map((rule) => rule.matches.map((match) => match.path)), [[{ type: 'PathPrefix', value: '/' }], [{ type: 'PathPrefix', value: '/' }]]);
    assert.deepEqual(route.rules[1]?.matches[0]?.headers, [{ type: 'Exact', name: 'x-canary', value: '1' }]);
    assert.deepEqual(route.rules[0]?.backendRefs, [{ name: 'reviews', namespace: 'shop', port: 9080, weight: 1 }]);
    assert.deepEqual(route.rules[0]?.filters, []);
    assert.equal(route.rules[0]?.timeouts, undefined);
    assert.deepEqual(config.grpcRoutes[0]?.rules[0]?.matches, []); // a GRPCRoute rule without matches matches everything
    assert.deepEqual(
      issues.filter((issue) => issue.document <= 2 && !isEnforcementNotice(issue)),
      [],
      'the good documents have no issues',
    );
  });

  // Checks run in stages (schema, then one document, then references across
  // documents), and a document rejected at one stage is not looked at by the
  // next: each document below holds mistakes of one stage only.
  const planted: Array<[document: number, path: string, needle: string, message: RegExp]> = [
    [3, 'spec.parentRefs[0].name', 'name: ratings', /parent Service shop\/ratings does not exist/],
    [3, 'spec.parentRefs[1].port', 'port: 8080', /Service shop\/reviews has no port 8080 \(its ports: 9080, 9090\)/],
    [3, 'spec.parentRefs[2].sectionName', 'sectionName: admin', /has no port named admin \(its port names: http, grpc\)/],
    [4, 'spec.parentRefs[0].group', '{ name: reviews }', /group must be "" or "core" .*means a Gateway/],
    [4, 'spec.parentRefs[0].kind', '{ name: reviews }', /kind must be Service .*GAMMA/],
    [4, 'spec.rules[0].backendRefs[0].kind', 'kind: ConfigMap', /a backendRef must be a Service: kind must be Service \(got "ConfigMap"\)/],
    [5, 'spec.rules[0].matches[0].path.value', '/api/(v1', /is not a valid regular expression/],
    [5, 'spec.rules[0].matches[1].path.value', 'value: api', /must be an absolute path/],
    [5, 'spec.rules[0].matches[2].path.value', '/a//b', /must not contain "\/\/"/],
    [5, 'spec.rules[0].matches[2].headers[0].value', 'name: x-a', /is not a valid regular expression/],
    [5, 'spec.rules[0].backendRefs', 'weight: 0', /the weights sum to 0/],
    [5, 'spec.rules[0].timeouts.backendRequest', 'backendRequest: 2s', /2s is longer than the request timeout 1s/],
    [5, 'spec.rules[1].filters[0].requestHeaderModifier', 'type: RequestHeaderModifier', /is required when type is RequestHeaderModifier/],
    [5, 'spec.rules[1].filters[1].requestMirror.fraction', 'type: RequestMirror', /set percent or fraction, not both/],
    [5, 'spec.rules[2].filters', '# redirect and rewrite', /RequestRedirect or a URLRewrite filter, not both/],
    [5, 'spec.rules[2].backendRefs', '# and a backend', /must have no backendRefs/],
    [5, 'spec.rules[2].filters[0].requestRedirect.path.type', 'ReplacePrefixMatch', /exactly one match, of path type PathPrefix/],
    [6, 'spec.rules[0].filters[0].type', 'type: ExtensionRef', /must be one of "RequestHeaderModifier", .*"URLRewrite" \(got "ExtensionRef"\)/],
    [6, 'spec.rules[0].timeouts.request', '10 seconds', /must be a duration such as 10s, 500ms/],
    [7, 'spec.rules[0].matches[0].method', 'method: { type: Exact }', /set service, method or both/],
    [7, 'spec.rules[0].matches[1].method.service', 'shop/v1', /must be a fully qualified service name/],
    [7, 'spec.rules[0].matches[2].method.service', 'shop.(', /is not a valid regular expression/],
    [8, 'spec.rules[0].retry.codes[0]', 'codes: [503]', /must be <= 16/],
  ];

  // A backend that does not resolve is ResolvedRefs=False, not a broken route: a warning saying what its requests get.
  const plantedWarnings: typeof planted = [
    [3, 'spec.rules[0].backendRefs[0].port', 'port: 9999', /Service shop\/reviews has no port 9999 .*: requests sent to it are answered 500/],
    [3, 'spec.rules[0].backendRefs[1].namespace', 'namespace: other', /backend Service other\/reviews is in another namespace .*needs a ReferenceGrant.*answered 500/],
    [3, 'spec.rules[0].filters[0].requestMirror.backendRef.name', 'name: shadow', /mirror Service shop\/shadow does not exist/],
  ];
  for (const [document, path, needle, message] of plantedWarnings) {
    it(`warns [doc ${document}] ${path}`, () => {
      const issue = issueAt(issues, document, path);
      assert.equal(issue.severity, 'warning', formatIssue(issue));
      assert.match(issue.message, message);
      assert.equal(issue.line, lineInDocument(routes, document, needle), formatIssue(issue));
    });
  }

  for (const [document, path, needle, message] of planted) {
    it(`reports [doc ${document}] ${path}`, () => {
      const issue = issueAt(issues, document, path);
      assert.equal(issue.severity, 'error', formatIssue(issue));
      assert.match(issue.message, message);
      assert.equal(issue.line, lineInDocument(routes, document, needle), formatIssue(issue));
    });
  }

  it('reports nothing but the planted mistakes', () => {
    assert.equal(errors(issues).length, planted.length, issues.map(formatIssue).join('\n'));
  });

  it('names the route every error is about, so its last good version can stay', () => {
    for (const issue of errors(issues)) {
      assert.ok(issue.resource, formatIssue(issue));
      assert.equal(issue.resource.namespace, 'shop');
      assert.match(issue.resource.kind, /^(HTTPRoute|GRPCRoute)$/);
    }
  });
});

describe('a backendRef that does not resolve', () => {
  const service = routes.split('---\n')[0];
  const route = (backendRefs: string) => `${service}---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: weighted, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews, port: 9090 }]
  rules:
    - backendRefs: ${backendRefs}
`;

  it('with weight 0 (never sent to) is a warning, and the route stands', () => {
    const { config, issues } = loadManifests([{ file: FILE, text: route('[{ name: reviews, port: 9090, weight: 70 }, { name: echo-v3, port: 7070, weight: 0 }]') }]);
    assert.equal(config.grpcRoutes.length, 1);
    const issue = issueAt(issues, 1, 'spec.rules[0].backendRefs[1].name');
    assert.equal(issue.severity, 'warning');
    assert.match(issue.message, /backend Service shop\/echo-v3 does not exist: it has weight 0, so no request is sent to it/);
  });

  // Gateway API: ResolvedRefs=False, the route still applies, and the requests its share gets are answered 500.
  it('with a weight is a warning too: the route stands, and what is sent to that backend is answered 500', () => {
    const { config, issues } = loadManifests([{ file: FILE, text: route('[{ name: reviews, port: 9090, weight: 70 }, { name: echo-v3, port: 7070, weight: 1 }]') }]);
    assert.equal(config.grpcRoutes.length, 1);
    const issue = issueAt(issues, 1, 'spec.rules[0].backendRefs[1].name');
    assert.equal(issue.severity, 'warning');
    assert.match(issue.message, /backend Service shop\/echo-v3 does not exist: requests sent to it are answered 500/);
  });
});

describe('route helpers', () => {
  it('parses Gateway API durations to milliseconds and back', () => {
    for (const [text, ms] of [['10s', 10_000], ['500ms', 500], ['1h30m', 5_400_000], ['2s500ms', 2500], ['0s', 0], ['1m1s1ms', 61_001]] as const) {
      assert.equal(parseDuration(text), ms, text);
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }
    for (const bad of ['', '10', '1.5s', '10 s', '-1s', '1us', '1h1h1h1h1h', '123456s']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('compiles route regexes whole-value and refuses what does not compile', () => {
    assert.ok(compileRouteRegex('/api/.*').test('/api/v1'));
    assert.ok(!compileRouteRegex('/api/.*').test('/x/api/v1'));
    assert.ok(!compileRouteRegex('a|b').test('ab'));
    assert.equal(regexProblem('a|b'), undefined);
    assert.match(regexProblem('a)|(b') ?? '', /not a valid regular expression/);
    assert.match(regexProblem('(') ?? '', /not a valid regular expression/);
  });
});
