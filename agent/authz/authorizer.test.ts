import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthorizationPolicy } from '../../model/policy-types.js';
import type { AuthzRequest } from './authz-request.js';
import { frontend, policy, request } from './testing/authz-builders.js';
import { Authorizer } from './authorizer.js';
import type { AuthzDecision } from './decision.js';
import type { PolicyTarget } from './policy-applies.js';

const reviews: PolicyTarget = { namespace: 'shop', labels: { app: 'reviews', version: 'v1' } };

type Want = Omit<AuthzDecision, 'audits'> & { audits?: AuthzDecision['audits'] };

interface Case {
  name: string;
  policies: AuthorizationPolicy[];
  request?: AuthzRequest;
  workload?: PolicyTarget;
  want: Want;
}

const allowedBy = (id: string, rule = 0): Want => ({ allowed: true, policy: id, action: 'ALLOW', rule, reason: 'allowed by policy' });
const deniedBy = (id: string, rule = 0): Want => ({ allowed: false, policy: id, action: 'DENY', rule, reason: 'denied by policy' });
const noAllowMatched: Want = { allowed: false, reason: 'no ALLOW policy matched' };
const noAllowPolicy: Want = { allowed: true, reason: 'no ALLOW policy applies' };
const noPolicy: Want = { allowed: true, reason: 'no policy selects the workload' };

const allow = (from: Parameters<typeof policy>[2]) => [policy('shop/allow', 'ALLOW', from)];
const tcp = { http: null } as const;
const plaintext = { principal: null } as const;

const cases: Case[] = [
  // Evaluation order and empty rules.
  { name: 'no policy: allowed', policies: [], want: noPolicy },
  { name: 'ALLOW with no rules (spec: {}) allows nothing, yet turns deny-by-default on', policies: [policy('shop/deny-all', 'ALLOW', [])], want: noAllowMatched },
  { name: 'ALLOW rules: [{}] matches everything', policies: allow([{}]), want: allowedBy('shop/allow') },
  { name: 'ALLOW rules: [{}] matches a plaintext TCP caller too', policies: allow([{}]), request: request({ ...plaintext, ...tcp }), want: allowedBy('shop/allow') },
  { name: 'DENY rules: [{}] denies everything', policies: [policy('shop/deny', 'DENY', [{}])], want: deniedBy('shop/deny') },
  { name: 'a DENY that does not match, and no ALLOW: allowed', policies: [policy('shop/deny', 'DENY', [{ from: [{ namespaces: ['legacy'] }] }])], want: noAllowPolicy },
  {
    name: 'DENY beats ALLOW',
    policies: [policy('shop/allow', 'ALLOW', [{}]), policy('shop/deny', 'DENY', [{ from: [{ namespaces: ['shop'] }] }])],
    want: deniedBy('shop/deny'),
  },
  {
    name: 'of several matching DENY policies the first by namespace/name decides',
    policies: [policy('weft-system/mesh-deny', 'DENY', [{}]), policy('shop/z-deny', 'DENY', [{}]), policy('shop/a-deny', 'DENY', [{ to: [{ ports: [1] }] }, {}])],
    want: deniedBy('shop/a-deny', 1),
  },
  {
    name: 'of several ALLOW policies the first that matches, by rule index',
    policies: [policy('shop/b', 'ALLOW', [{ to: [{ ports: [1] }] }, { to: [{ ports: [9080] }] }]), policy('shop/a', 'ALLOW', [{ to: [{ ports: [2] }] }])],
    want: allowedBy('shop/b', 1),
  },
  {
    name: 'AUDIT alone changes nothing and is reported',
    policies: [policy('shop/audit', 'AUDIT', [{ to: [{ ports: [1] }] }, {}])],
    want: { ...noAllowPolicy, audits: [{ policy: 'shop/audit', rule: 1 }] },
  },
  {
    name: 'AUDIT is reported beside a DENY',
    policies: [policy('shop/deny', 'DENY', [{}]), policy('shop/audit', 'AUDIT', [{}]), policy('shop/quiet', 'AUDIT', [{ to: [{ ports: [1] }] }])],
    want: { ...deniedBy('shop/deny'), audits: [{ policy: 'shop/audit', rule: 0 }] },
  },
  { name: 'AUDIT does not count as an ALLOW policy', policies: [policy('shop/audit', 'AUDIT', [{ to: [{ ports: [1] }] }])], want: noAllowPolicy },

  // Sources: principals, namespaces, ipBlocks, against mTLS and plaintext callers.
  { name: 'principals: exact SPIFFE ID', policies: allow([{ from: [{ principals: [frontend] }] }]), want: allowedBy('shop/allow') },
  { name: 'principals: another ID', policies: allow([{ from: [{ principals: ['spiffe://cluster.local/ns/shop/sa/admin'] }] }]), want: noAllowMatched },
  { name: 'principals: prefix*', policies: allow([{ from: [{ principals: ['spiffe://cluster.local/ns/shop/*'] }] }]), want: allowedBy('shop/allow') },
  { name: 'principals: *suffix', policies: allow([{ from: [{ principals: ['*/sa/frontend'] }] }]), want: allowedBy('shop/allow') },
  { name: 'principals: ["*"] takes any mTLS caller', policies: allow([{ from: [{ principals: ['*'] }] }]), want: allowedBy('shop/allow') },
  { name: 'principals: ["*"] refuses a plaintext caller', policies: allow([{ from: [{ principals: ['*'] }] }]), request: request(plaintext), want: noAllowMatched },
  { name: 'notPrincipals: ["*"] takes a plaintext caller', policies: allow([{ from: [{ notPrincipals: ['*'] }] }]), request: request(plaintext), want: allowedBy('shop/allow') },
  { name: 'notPrincipals: ["*"] refuses an mTLS caller', policies: allow([{ from: [{ notPrincipals: ['*'] }] }]), want: noAllowMatched },
  { name: 'DENY notPrincipals: ["*"] denies plaintext (Istio\'s require-mTLS)', policies: [policy('shop/deny', 'DENY', [{ from: [{ notPrincipals: ['*'] }] }])], request: request(plaintext), want: deniedBy('shop/deny') },
  { name: 'DENY notPrincipals: ["*"] lets mTLS through', policies: [policy('shop/deny', 'DENY', [{ from: [{ notPrincipals: ['*'] }] }])], want: noAllowPolicy },
  { name: 'notPrincipals: the caller is listed', policies: allow([{ from: [{ notPrincipals: ['*/sa/frontend'] }] }]), want: noAllowMatched },
  { name: 'namespaces: exact', policies: allow([{ from: [{ namespaces: ['shop'] }] }]), want: allowedBy('shop/allow') },
  { name: 'namespaces: prefix* and *suffix', policies: allow([{ from: [{ namespaces: ['sh*'] }] }, { from: [{ namespaces: ['*op'] }] }]), request: request({ namespace: 'hop' }), want: allowedBy('shop/allow', 1) },
  { name: 'namespaces: ["*"] refuses plaintext', policies: allow([{ from: [{ namespaces: ['*'] }] }]), request: request(plaintext), want: noAllowMatched },
  { name: 'notNamespaces takes plaintext', policies: allow([{ from: [{ notNamespaces: ['shop'] }] }]), request: request(plaintext), want: allowedBy('shop/allow') },
  { name: 'notNamespaces refuses the listed namespace', policies: allow([{ from: [{ notNamespaces: ['legacy', 'shop'] }] }]), want: noAllowMatched },
  { name: 'ipBlocks: CIDR', policies: allow([{ from: [{ ipBlocks: ['10.244.0.0/16'] }] }]), request: request(plaintext), want: allowedBy('shop/allow') },
  { name: 'ipBlocks: a bare address is a /32', policies: allow([{ from: [{ ipBlocks: ['10.244.1.6'] }] }, { from: [{ ipBlocks: ['10.244.1.5'] }] }]), want: allowedBy('shop/allow', 1) },
  { name: 'ipBlocks: an IPv4-mapped peer address', policies: allow([{ from: [{ ipBlocks: ['10.244.1.0/24'] }] }]), request: request({ ip: '::ffff:10.244.1.5' }), want: allowedBy('shop/allow') },
  { name: 'notIpBlocks: the caller is inside', policies: allow([{ from: [{ notIpBlocks: ['10.0.0.0/8'] }] }]), want: noAllowMatched },
  { name: 'notIpBlocks: the caller is outside', policies: allow([{ from: [{ notIpBlocks: ['192.168.0.0/16'] }] }]), want: allowedBy('shop/allow') },
  { name: 'remoteIpBlocks: a plaintext caller by its address', policies: allow([{ from: [{ remoteIpBlocks: ['10.244.0.0/16'] }] }]), request: request(plaintext), want: allowedBy('shop/allow') },
  { name: 'remoteIpBlocks: another range', policies: allow([{ from: [{ remoteIpBlocks: ['10.245.0.0/16'] }] }]), request: request(plaintext), want: noAllowMatched },
  { name: 'remoteIpBlocks: the connection address, also over TCP', policies: allow([{ from: [{ remoteIpBlocks: ['10.244.1.5'] }] }]), request: request({ ...plaintext, ...tcp }), want: allowedBy('shop/allow') },
  { name: 'notRemoteIpBlocks: ALLOW refuses a caller inside', policies: allow([{ from: [{ notRemoteIpBlocks: ['10.244.1.0/24'] }] }]), want: noAllowMatched },
  { name: 'notRemoteIpBlocks: ALLOW takes a caller outside', policies: allow([{ from: [{ notRemoteIpBlocks: ['192.168.0.0/16'] }] }]), want: allowedBy('shop/allow') },
  { name: 'DENY notRemoteIpBlocks denies a caller outside them', policies: [policy('shop/deny', 'DENY', [{ from: [{ notRemoteIpBlocks: ['10.244.2.0/24'] }] }])], request: request(plaintext), want: deniedBy('shop/deny') },
  { name: 'DENY notRemoteIpBlocks lets a caller inside them by', policies: [policy('shop/deny', 'DENY', [{ from: [{ notRemoteIpBlocks: ['10.244.1.0/24'] }] }])], request: request(plaintext), want: noAllowPolicy },
  { name: 'ipBlocks AND remoteIpBlocks: both hold', policies: allow([{ from: [{ ipBlocks: ['10.244.0.0/16'], remoteIpBlocks: ['10.244.1.0/24'] }] }]), request: request(plaintext), want: allowedBy('shop/allow') },
  { name: 'ipBlocks AND remoteIpBlocks: only ipBlocks holds', policies: allow([{ from: [{ ipBlocks: ['10.244.0.0/16'], remoteIpBlocks: ['10.245.0.0/16'] }] }]), request: request(plaintext), want: noAllowMatched },
  { name: 'ipBlocks AND remoteIpBlocks: only remoteIpBlocks holds', policies: allow([{ from: [{ ipBlocks: ['10.245.0.0/16'], remoteIpBlocks: ['10.244.0.0/16'] }] }]), request: request(plaintext), want: noAllowMatched },
  { name: 'remoteIpBlocks AND notIpBlocks are separate fields', policies: allow([{ from: [{ remoteIpBlocks: ['10.244.0.0/16'], notIpBlocks: ['10.244.1.0/24'] }] }]), want: noAllowMatched },
  { name: 'fields of a source are ANDed', policies: allow([{ from: [{ principals: [frontend], namespaces: ['legacy'] }] }]), want: noAllowMatched },
  { name: 'values of a field are ORed', policies: allow([{ from: [{ namespaces: ['legacy', 'shop'] }] }]), want: allowedBy('shop/allow') },
  { name: 'sources are ORed', policies: allow([{ from: [{ namespaces: ['legacy'] }, { ipBlocks: ['10.244.1.0/24'] }] }]), want: allowedBy('shop/allow') },
  { name: 'from, to and when are ANDed', policies: allow([{ from: [{ namespaces: ['shop'] }], to: [{ ports: [9080] }], when: [{ key: 'destination.port', values: ['9090'] }] }]), want: noAllowMatched },

  // Operations.
  { name: 'ports: the destination port', policies: allow([{ to: [{ ports: [9090] }] }, { to: [{ ports: [9080] }] }]), want: allowedBy('shop/allow', 1) },
  { name: 'notPorts', policies: allow([{ to: [{ notPorts: [9080] }] }]), want: noAllowMatched },
  { name: 'operations are ORed', policies: allow([{ to: [{ methods: ['POST'] }, { paths: ['/'] }] }]), want: allowedBy('shop/allow') },
  { name: 'methods: exact', policies: allow([{ to: [{ methods: ['POST', 'GET'] }] }]), want: allowedBy('shop/allow') },
  { name: 'methods: case-sensitive', policies: allow([{ to: [{ methods: ['get'] }] }]), want: noAllowMatched },
  { name: 'notMethods', policies: allow([{ to: [{ notMethods: ['GET'] }] }]), want: noAllowMatched },
  { name: 'paths: exact', policies: allow([{ to: [{ paths: ['/api'] }] }]), request: request({ http: { path: '/api/x' } }), want: noAllowMatched },
  { name: 'paths: prefix*', policies: allow([{ to: [{ paths: ['/api/*'] }] }]), request: request({ http: { path: '/api/x' } }), want: allowedBy('shop/allow') },
  { name: 'paths: prefix* needs the prefix whole', policies: allow([{ to: [{ paths: ['/api/*'] }] }]), request: request({ http: { path: '/api' } }), want: noAllowMatched },
  { name: 'paths: *suffix', policies: allow([{ to: [{ paths: ['*.js'] }] }]), request: request({ http: { path: '/static/app.js' } }), want: allowedBy('shop/allow') },
  { name: 'paths: "*" is any path', policies: allow([{ to: [{ paths: ['*'] }] }]), want: allowedBy('shop/allow') },
  { name: 'paths: case-sensitive', policies: allow([{ to: [{ paths: ['/Admin'] }] }]), request: request({ http: { path: '/admin' } }), want: noAllowMatched },
  { name: 'DENY notPaths', policies: [policy('shop/deny', 'DENY', [{ to: [{ notPaths: ['/public/*'] }] }])], request: request({ http: { path: '/private' } }), want: deniedBy('shop/deny') },
  { name: 'hosts: without case', policies: allow([{ to: [{ hosts: ['Reviews.Shop'] }] }]), request: request({ http: { host: 'reviews.SHOP' } }), want: allowedBy('shop/allow') },
  { name: 'hosts: "svc" is not "svc:8080"', policies: allow([{ to: [{ hosts: ['reviews'] }] }]), request: request({ http: { host: 'reviews:9080' } }), want: noAllowMatched },
  { name: 'hosts: "svc:*" takes any port', policies: allow([{ to: [{ hosts: ['reviews', 'reviews:*'] }] }]), request: request({ http: { host: 'reviews:9080' } }), want: allowedBy('shop/allow') },
  { name: 'hosts: *suffix', policies: allow([{ to: [{ hosts: ['*.shop.svc.cluster.local'] }] }]), request: request({ http: { host: 'REVIEWS.shop.svc.cluster.local' } }), want: allowedBy('shop/allow') },
  { name: 'notHosts', policies: allow([{ to: [{ notHosts: ['reviews'] }] }]), want: noAllowMatched },

  // Conditions.
  { name: 'when source.ip', policies: allow([{ when: [{ key: 'source.ip', values: ['10.244.1.0/24'] }] }]), want: allowedBy('shop/allow') },
  { name: 'when remote.ip is the peer', policies: allow([{ when: [{ key: 'remote.ip', notValues: ['10.244.1.5'] }] }]), want: noAllowMatched },
  { name: 'when source.namespace', policies: allow([{ when: [{ key: 'source.namespace', values: ['shop'] }] }]), request: request(plaintext), want: noAllowMatched },
  { name: 'when source.principal, written without the scheme', policies: allow([{ when: [{ key: 'source.principal', values: ['cluster.local/ns/shop/sa/frontend'] }] }]), want: allowedBy('shop/allow') },
  { name: 'when destination.ip', policies: allow([{ when: [{ key: 'destination.ip', values: ['10.244.2.0/24'] }] }]), want: allowedBy('shop/allow') },
  { name: 'when destination.port', policies: allow([{ when: [{ key: 'destination.port', values: ['9080'] }] }]), want: allowedBy('shop/allow') },
  { name: 'when connection.sni: absent', policies: allow([{ when: [{ key: 'connection.sni', values: ['*'] }] }]), want: noAllowMatched },
  { name: 'when connection.sni: unknown to a DENY, which then denies (never fail open)', policies: [...allow([{}]), policy('shop/deny', 'DENY', [{ when: [{ key: 'connection.sni', values: ['blocked.example'] }] }])], want: deniedBy('shop/deny') },
  { name: 'when connection.sni: known and not listed, the DENY does not fire', policies: [...allow([{}]), policy('shop/deny', 'DENY', [{ when: [{ key: 'connection.sni', values: ['blocked.example'] }] }])], request: request({ sni: 'fine.example' }), want: allowedBy('shop/allow') },
  { name: 'when connection.sni: *suffix', policies: allow([{ when: [{ key: 'connection.sni', values: ['*.example.com'] }] }]), request: request({ sni: 'a.example.com' }), want: allowedBy('shop/allow') },
  { name: 'when values and notValues must both hold', policies: allow([{ when: [{ key: 'source.ip', values: ['10.244.0.0/16'], notValues: ['10.244.1.0/24'] }] }]), want: noAllowMatched },
  { name: 'when conditions are ANDed', policies: allow([{ when: [{ key: 'destination.port', values: ['9080'] }, { key: 'source.namespace', values: ['legacy'] }] }]), want: noAllowMatched },
  { name: 'when request.headers: the name has no case', policies: allow([{ when: [{ key: 'request.headers[X-User]', values: ['alice'] }] }]), request: request({ http: { headers: { 'x-user': ['alice'] } } }), want: allowedBy('shop/allow') },

  // Repeated headers never help a request past a rule.
  { name: 'ALLOW values: one good value', policies: allow([{ when: [{ key: 'request.headers[x-user]', values: ['alice'] }] }]), request: request({ http: { headers: { 'x-user': ['alice'] } } }), want: allowedBy('shop/allow') },
  { name: 'ALLOW values: a good and a bad value', policies: allow([{ when: [{ key: 'request.headers[x-user]', values: ['alice'] }] }]), request: request({ http: { headers: { 'x-user': ['mallory', 'alice'] } } }), want: noAllowMatched },
  { name: 'ALLOW values: header absent', policies: allow([{ when: [{ key: 'request.headers[x-user]', values: ['*'] }] }]), want: noAllowMatched },
  { name: 'ALLOW notValues: one listed value among others', policies: allow([{ when: [{ key: 'request.headers[x-user]', notValues: ['banned'] }] }]), request: request({ http: { headers: { 'x-user': ['ok', 'banned'] } } }), want: noAllowMatched },
  { name: 'ALLOW notValues: header absent', policies: allow([{ when: [{ key: 'request.headers[x-user]', notValues: ['banned'] }] }]), want: allowedBy('shop/allow') },
  { name: 'DENY values: a listed value among others', policies: [policy('shop/deny', 'DENY', [{ when: [{ key: 'request.headers[x-user]', values: ['evil'] }] }])], request: request({ http: { headers: { 'x-user': ['ok', 'evil'] } } }), want: deniedBy('shop/deny') },
  { name: 'DENY notValues: an unlisted value beside a listed one', policies: [policy('shop/deny', 'DENY', [{ when: [{ key: 'request.headers[x-user]', notValues: ['admin'] }] }])], request: request({ http: { headers: { 'x-user': ['admin', 'guest'] } } }), want: deniedBy('shop/deny') },
  { name: 'DENY notValues: only listed values', policies: [policy('shop/deny', 'DENY', [{ when: [{ key: 'request.headers[x-user]', notValues: ['admin'] }] }])], request: request({ http: { headers: { 'x-user': ['admin', 'admin'] } } }), want: noAllowPolicy },
  { name: 'DENY notValues: header absent', policies: [policy('shop/deny', 'DENY', [{ when: [{ key: 'request.headers[x-user]', notValues: ['admin'] }] }])], want: deniedBy('shop/deny') },

  // Opaque TCP: Istio's TCP filter, fail closed both ways.
  { name: 'TCP: ALLOW with an HTTP field matches nothing', policies: allow([{ to: [{ ports: [9080], methods: ['GET'] }] }]), request: request(tcp), want: noAllowMatched },
  { name: 'TCP: ALLOW with HTTP in one operation drops the whole rule', policies: allow([{ to: [{ ports: [9080] }, { paths: ['/'] }] }]), request: request(tcp), want: noAllowMatched },
  { name: 'TCP: ALLOW with a notMethods field matches nothing', policies: allow([{ from: [{ principals: [frontend] }], to: [{ notMethods: ['DELETE'] }] }]), request: request(tcp), want: noAllowMatched },
  { name: 'TCP: ALLOW with a header condition matches nothing', policies: allow([{ when: [{ key: 'request.headers[x-user]', notValues: ['x'] }] }]), request: request(tcp), want: noAllowMatched },
  { name: 'TCP: an ALLOW rule without HTTP fields still matches', policies: allow([{ to: [{ methods: ['GET'] }] }, { to: [{ ports: [9080] }] }]), request: request(tcp), want: allowedBy('shop/allow', 1) },
  { name: 'TCP: DENY of a method denies the whole port', policies: [policy('shop/deny', 'DENY', [{ to: [{ methods: ['POST'] }] }])], request: request(tcp), want: deniedBy('shop/deny') },
  { name: 'HTTP: the same DENY lets GET through', policies: [policy('shop/deny', 'DENY', [{ to: [{ methods: ['POST'] }] }])], want: noAllowPolicy },
  { name: 'TCP: DENY keeps its TCP fields (port matches)', policies: [policy('shop/deny', 'DENY', [{ to: [{ ports: [9080], paths: ['/admin'] }] }])], request: request(tcp), want: deniedBy('shop/deny') },
  { name: 'TCP: DENY keeps its TCP fields (port differs)', policies: [policy('shop/deny', 'DENY', [{ to: [{ ports: [9090], paths: ['/admin'] }] }])], request: request(tcp), want: noAllowPolicy },
  { name: 'TCP: DENY drops a header condition', policies: [policy('shop/deny', 'DENY', [{ from: [{ namespaces: ['shop'] }], when: [{ key: 'request.headers[x-user]', values: ['evil'] }] }])], request: request(tcp), want: deniedBy('shop/deny') },
  { name: 'TCP: DENY beats an ALLOW that would have matched', policies: [policy('shop/allow', 'ALLOW', [{}]), policy('shop/deny', 'DENY', [{ to: [{ hosts: ['admin'] }] }])], request: request(tcp), want: deniedBy('shop/deny') },
  { name: 'TCP: AUDIT drops HTTP fields as DENY does', policies: [policy('shop/audit', 'AUDIT', [{ to: [{ methods: ['POST'] }] }])], request: request(tcp), want: { ...noAllowPolicy, audits: [{ policy: 'shop/audit', rule: 0 }] } },

  // Scope: selector, namespace, mesh root.
  { name: 'a selector that does not match: no policy', policies: [policy('shop/ratings', 'ALLOW', [], { app: 'ratings' })], want: noPolicy },
  { name: 'a selector needs every label', policies: [policy('shop/v2', 'ALLOW', [], { app: 'reviews', version: 'v2' })], want: noPolicy },
  { name: 'a selector that matches', policies: [policy('shop/reviews', 'ALLOW', [{}], { app: 'reviews', version: 'v1' })], want: allowedBy('shop/reviews') },
  { name: 'another namespace\'s policy does not apply', policies: [policy('legacy/deny-all', 'ALLOW', [])], want: noPolicy },
  { name: 'a namespace-wide policy applies', policies: [policy('shop/deny-all', 'ALLOW', [])], want: noAllowMatched },
  { name: 'the mesh root without a selector covers every namespace', policies: [policy('weft-system/deny', 'DENY', [{ from: [{ notNamespaces: ['weft-system'] }] }])], want: deniedBy('weft-system/deny') },
  { name: 'the mesh root with a selector covers matching workloads of every namespace', policies: [policy('weft-system/reviews', 'DENY', [{}], { app: 'reviews' })], want: deniedBy('weft-system/reviews') },
  { name: 'the mesh root selector still has to match', policies: [policy('weft-system/ratings', 'DENY', [{}], { app: 'ratings' })], want: noPolicy },
];

describe('Authorizer: Istio AuthorizationPolicy semantics', () => {
  for (const { name, policies, request: req = request(), workload = reviews, want } of cases) {
    it(name, () => {
      const decision = Authorizer.compile(policies).forWorkload(workload).decide(req);
      assert.deepEqual(decision, { audits: [], ...want });
    });
  }
});

describe('Authorizer: per-workload work', () => {
  it('says when nothing applies, so callers can skip authorization', () => {
    const authorizer = Authorizer.compile([policy('legacy/deny-all', 'ALLOW', []), policy('shop/ratings', 'DENY', [{}], { app: 'ratings' })]);
    const policies = authorizer.forWorkload(reviews);
    assert.equal(policies.none, true);
    assert.equal(policies.needsHttp, false);
    assert.equal(authorizer.forWorkload({ namespace: 'legacy', labels: {} }).none, false);
  });

  it('says when HTTP must be parsed to decide', () => {
    const needsHttp = (rules: Parameters<typeof policy>[2], action: AuthorizationPolicy['action'] = 'ALLOW') =>
      Authorizer.compile([policy('shop/p', action, rules)]).forWorkload(reviews).needsHttp;
    assert.equal(needsHttp([{ from: [{ principals: ['*'] }], to: [{ ports: [9080] }], when: [{ key: 'source.ip', values: ['10.0.0.0/8'] }] }]), false);
    assert.equal(needsHttp([]), false);
    assert.equal(needsHttp([{ to: [{ methods: ['GET'] }] }]), true);
    assert.equal(needsHttp([{ to: [{ notPaths: ['/x'] }] }], 'DENY'), true);
    assert.equal(needsHttp([{ to: [{ notHosts: ['x'] }] }], 'AUDIT'), true);
    assert.equal(needsHttp([{}, { when: [{ key: 'request.headers[x-a]', values: ['1'] }] }]), true);
  });

  it('compiles a workload\'s share once per workload object', () => {
    const authorizer = Authorizer.compile([policy('shop/allow', 'ALLOW', [{}])]);
    const first = authorizer.forWorkload(reviews);
    assert.equal(authorizer.forWorkload(reviews), first);
    assert.notEqual(authorizer.forWorkload({ ...reviews }), first);
  });
});
