import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCidr } from '../../model/cidr.js';
import { errors, isEnforcementNotice, issueAt, lineInDocument } from './issue-assertions.js';
import { formatIssue } from '../../model/issues.js';
import { loadManifests } from './load-manifests.js';
import { policyScope } from '../../model/policy-types.js';
import { normalizePrincipal, principalProblem } from '../../model/principal.js';

const FILE = 'policies.yaml';

// Documents 0-3 are good; each later one carries the planted mistakes listed below.
const policies = `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: allow-frontend, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/frontend] } }]
      to: [{ operation: { ports: ["9080"], methods: [GET] } }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-all, namespace: shop }
spec: {}
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: mesh, namespace: weft-system }
spec: { mtls: { mode: STRICT } }
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: reviews, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  portLevelMtls: { 9090: { mode: DISABLE } }
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: values, namespace: shop }
spec:
  selector: { matchLabels: { "bad key!": x } }
  action: DENY
  rules:
    - from:
        - source:
            principals: [frontend, "spiffe://td/ns/a/sa/b", "*a*"]
            notPrincipals: ["spiffe://td/ns/Shop/sa/b"]
            namespaces: [shop, "team-*", "Bad_NS"]
            ipBlocks: [10.0.0.0/33, 10.0.0.1/8, 10.0.0.0/8]
            notIpBlocks: [fd00::/8]
            remoteIpBlocks: [10.1.0.0/8, 10.1.0.0/40]
            notRemoteIpBlocks: [fd01::/8]
      to: [{ operation: { ports: ["70000"], notPorts: ["0"] } }]
      when:
        - { key: "request.auth.claims[iss]", values: [x] }
        - { key: source.ip }
        - { key: destination.port, values: [http] }
        - { key: remote.ip, notValues: [300.1.1.1] }
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: schema, namespace: shop }
spec:
  rules:
    - to: [{ operation: { ports: [8080] } }]
      from: [{ source: { requestPrincipals: [x] } }]
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: ports, namespace: shop }
spec:
  mtls: { mode: STRICTEST }
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: no-selector, namespace: shop }
spec:
  portLevelMtls: { http: { mode: DISABLE } }
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: mesh-again, namespace: weft-system }
spec: { mtls: { mode: PERMISSIVE } }
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: custom, namespace: shop }
spec:
  action: CUSTOM
  rules: [{}]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-nothing, namespace: shop }
spec: { action: DENY }
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: audit-nothing, namespace: shop }
spec:
  action: AUDIT
  rules: []
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: empties, namespace: shop }
spec:
  rules:
    - from: [{ source: {} }, { source: { remoteIpBlocks: [10.0.0.0/8] } }, { source: { notRemoteIpBlocks: [10.9.0.0/16] } }]
      to:
        - operation: { paths: ["/api/{*}/x", "/a*b", "*", "/ok*", "*.js"], notPaths: ["/{**}"] }
        - operation: { ports: [] }
    - from: []
      to: []
`;

describe('AuthorizationPolicy and PeerAuthentication', () => {
  const { config, issues } = loadManifests([{ file: FILE, text: policies }]);

  it('loads the good policies with Istio defaults and SPIFFE principals', () => {
    assert.deepEqual(
      issues.filter((issue) => issue.document <= 3 && !isEnforcementNotice(issue)),
      [],
    );
    const [allow, denyAll] = config.authorizationPolicies;
    assert.ok(allow && denyAll);
    assert.equal(allow.action, 'ALLOW');
    assert.deepEqual(allow.selector, { app: 'reviews' });
    assert.deepEqual(allow.rules[0]?.from[0]?.principals, ['spiffe://cluster.local/ns/shop/sa/frontend']);
    assert.deepEqual(allow.rules[0]?.to[0]?.ports, [9080]);
    assert.deepEqual(allow.rules[0]?.when, []);
    // `spec: {}` is Istio's deny-all: ALLOW with no rules.
    assert.deepEqual({ action: denyAll.action, rules: denyAll.rules, selector: denyAll.selector }, { action: 'ALLOW', rules: [], selector: undefined });
    assert.equal(policyScope(allow), 'workload');
    assert.equal(policyScope(denyAll), 'namespace');

    const [mesh, reviews] = config.peerAuthentications;
    assert.ok(mesh && reviews);
    assert.equal(policyScope(mesh), 'mesh');
    assert.equal(mesh.mode, 'STRICT');
    assert.equal(reviews.mode, 'UNSET');
    assert.deepEqual(reviews.portLevelMtls, [{ port: 9090, mode: 'DISABLE' }]);
  });

  const planted: Array<[document: number, path: string, needle: string, message: RegExp]> = [
    [4, 'spec.selector.matchLabels["bad key!"]', 'bad key!', /invalid label key/],
    [4, 'spec.rules[0].from[0].source.principals[0]', 'principals:', /must be spiffe:\/\/<trust-domain>\/ns\/<namespace>\/sa\/<service-account>.*"frontend"/],
    [4, 'spec.rules[0].from[0].source.principals[2]', 'principals:', /"\*" may appear once, at the start or the end/],
    [4, 'spec.rules[0].from[0].source.notPrincipals[0]', 'notPrincipals:', /must be spiffe:/],
    [4, 'spec.rules[0].from[0].source.namespaces[2]', 'Bad_NS', /must be a namespace name/],
    [4, 'spec.rules[0].from[0].source.ipBlocks[0]', '10.0.0.0/33', /"10\.0\.0\.0\/33" has prefix length \/33; an IPv4 prefix is \/0 to \/32/],
    [4, 'spec.rules[0].from[0].source.notIpBlocks[0]', 'fd00::/8', /is not an IPv4 address or CIDR block/],
    [4, 'spec.rules[0].from[0].source.remoteIpBlocks[1]', '10.1.0.0/40', /"10\.1\.0\.0\/40" has prefix length \/40; an IPv4 prefix is \/0 to \/32/],
    [4, 'spec.rules[0].from[0].source.notRemoteIpBlocks[0]', 'fd01::/8', /is not an IPv4 address or CIDR block/],
    [4, 'spec.rules[0].to[0].operation.ports[0]', '70000', /port 70000 is not in 1-65535/],
    [4, 'spec.rules[0].to[0].operation.notPorts[0]', '70000', /port 0 is not in 1-65535/],
    [4, 'spec.rules[0].when[0].key', 'request.auth.claims', /unknown key "request\.auth\.claims\[iss\]"; Weft reads source\.ip/],
    [4, 'spec.rules[0].when[1]', 'key: source.ip', /set values, notValues or both/],
    [4, 'spec.rules[0].when[2].values[0]', 'destination.port', /"http" is not a port number/],
    [4, 'spec.rules[0].when[3].notValues[0]', '300.1.1.1', /is not an IPv4 address or CIDR block/],
    [5, 'spec.rules[0].to[0].operation.ports[0]', 'ports: [8080]', /must be a string \(got 8080\)/],
    [5, 'spec.rules[0].from[0].source.requestPrincipals', 'requestPrincipals', /unknown field/],
    [6, 'spec.mtls.mode', 'STRICTEST', /must be one of "UNSET", "DISABLE", "PERMISSIVE", "STRICT"/],
    [7, 'spec.portLevelMtls.http', 'http:', /keys are port numbers 1-65535 \(got "http"\)/],
    [7, 'spec.portLevelMtls', 'portLevelMtls', /needs a selector/],
    [8, 'spec.selector', 'spec:', /namespace weft-system already has a mesh-wide PeerAuthentication, PeerAuthentication weft-system\/mesh/],
    [9, 'spec.action', 'CUSTOM', /^CUSTOM \(external authorization\) is not supported by Weft; use ALLOW, DENY or AUDIT$/],
    [10, 'spec.action', 'action: DENY', /a DENY policy needs at least one rule; without rules it matches nothing/],
    [11, 'spec.rules', 'rules: []', /an AUDIT policy needs at least one rule/],
    [12, 'spec.rules[0].from[0].source', 'source: {}', /an empty source matches nothing useful and Istio refuses it; remove it or set a field/],
    [12, 'spec.rules[0].to[0].operation.paths[0]', '/api/{*}', /path templates such as \{\*\} and \{\*\*\} are not supported \(got "\/api\/\{\*\}\/x"\)/],
    [12, 'spec.rules[0].to[0].operation.paths[1]', '/api/{*}', /"\*" may appear only at the start or the end of a path \(got "\/a\*b"\)/],
    [12, 'spec.rules[0].to[0].operation.notPaths[0]', '/api/{*}', /path templates/],
    [12, 'spec.rules[0].to[1].operation', 'ports: []', /an empty operation matches nothing useful and Istio refuses it/],
    [12, 'spec.rules[1].from', 'from: []', /must not be empty: remove it to match any source/],
    [12, 'spec.rules[1].to', 'to: []', /must not be empty: remove it to match any operation/],
  ];

  for (const [document, path, needle, message] of planted) {
    it(`reports [doc ${document}] ${path}`, () => {
      const issue = issueAt(issues, document, path);
      assert.equal(issue.severity, 'error', formatIssue(issue));
      assert.match(issue.message, message);
      assert.equal(issue.line, lineInDocument(policies, document, needle), formatIssue(issue));
      assert.equal(issue.resource?.name, ['values', 'schema', 'ports', 'no-selector', 'mesh-again', 'custom', 'deny-nothing', 'audit-nothing', 'empties'][document - 4]);
    });
  }

  it('warns about a block with host bits set', () => {
    const hostBits = issueAt(issues, 4, 'spec.rules[0].from[0].source.ipBlocks[1]');
    assert.equal(hostBits.severity, 'warning');
    assert.match(hostBits.message, /10\.0\.0\.1\/8 has host bits set; it means the network 10\.0\.0\.0\/8/);
  });

  it('warns about a remoteIpBlocks block with host bits set', () => {
    const hostBits = issueAt(issues, 4, 'spec.rules[0].from[0].source.remoteIpBlocks[0]');
    assert.equal(hostBits.severity, 'warning');
    assert.match(hostBits.message, /10\.1\.0\.0\/8 has host bits set; it means the network 10\.0\.0\.0\/8/);
  });

  it('does not count a source with only remoteIpBlocks or notRemoteIpBlocks as empty', () => {
    for (const source of [1, 2]) {
      const path = `spec.rules[0].from[${source}].source`;
      assert.deepEqual(issues.filter((issue) => issue.document === 12 && issue.path.startsWith(path)).map(formatIssue), [], path);
    }
  });

  it('builds none of the refused policies', () => {
    const names = config.authorizationPolicies.map((policy) => policy.name);
    assert.deepEqual(names, ['allow-frontend', 'deny-all']);
  });

  it('reports nothing but the planted mistakes', () => {
    assert.equal(errors(issues).length, planted.length, issues.map(formatIssue).join('\n'));
  });
});

describe('policy helpers', () => {
  it('checks CIDRs', () => {
    assert.deepEqual(checkCidr('10.0.0.0/8'), {});
    assert.deepEqual(checkCidr('10.1.2.3'), {});
    assert.deepEqual(checkCidr('0.0.0.0/0'), {});
    assert.deepEqual(checkCidr('10.1.2.3/32'), {});
    assert.deepEqual(checkCidr('192.168.1.77/26'), { network: '192.168.1.64/26' });
    for (const bad of ['10.0.0.0/33', '10.0.0/8', '10.0.0.0/', '10.0.0.0/8/8', '256.0.0.0/8', '10.0.0.0/-1', 'a.b.c.d']) assert.ok(checkCidr(bad).error, bad);
  });

  it('accepts principals as Istio does and gives them the SPIFFE scheme', () => {
    for (const good of ['*', 'spiffe://cluster.local/ns/shop/sa/frontend', 'cluster.local/ns/shop/sa/frontend', 'spiffe://cluster.local/ns/shop/*', '*/sa/frontend', 'cluster.local/*']) {
      assert.equal(principalProblem(good), undefined, good);
    }
    for (const bad of ['frontend', 'spiffe://cluster.local/ns/shop', '*mid*', 'a*b', 'spiffe://td/ns/shop/sa/front end', 'spiffe://td/ns/shop/sa/Front']) {
      assert.ok(principalProblem(bad), bad);
    }
    assert.equal(normalizePrincipal('cluster.local/ns/a/sa/b'), 'spiffe://cluster.local/ns/a/sa/b');
    assert.equal(normalizePrincipal('*/sa/b'), '*/sa/b');
    assert.equal(normalizePrincipal('*'), '*');
  });
});
