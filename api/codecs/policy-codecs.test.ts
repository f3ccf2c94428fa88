/**
 * Model -> proto object -> bytes (protobufjs, the library proto-loader and
 * grpc-js encode with, loaded with the build's options) -> proto object ->
 * model: every field of every route and policy kind survives.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { formatIssue } from '../../model/issues.js';
import { withoutEnforcementNotices } from '../../control-plane/manifests/issue-assertions.js';
import { loadManifests } from '../../control-plane/manifests/load-manifests.js';
import { everyFieldManifests } from '../../control-plane/manifests/policy-fixtures.js';
import type { MeshConfig } from '../../model/types.js';
import { protoDir } from '../load-protos.js';
import { policyKinds } from '../mesh-resources.js';
import { authorizationPolicyFromProto, authorizationPolicyToProto } from './authorization-policy.js';
import { grpcRouteFromProto, grpcRouteToProto } from './grpc-route.js';
import { httpRouteFromProto, httpRouteToProto } from './http-route.js';
import { peerAuthenticationFromProto, peerAuthenticationToProto } from './peer-authentication.js';
import { WIRE_SOURCE } from './wire-values.js';

const root = protobuf.loadSync(join(protoDir, 'weft', 'v1', 'mesh-policy.proto'));
// The options proto-loader is given (load-protos.ts): what grpc-js hands the agent.
const outputOptions = { longs: String, enums: String, defaults: true, oneofs: true };

function wire<T>(typeName: string, object: unknown): T {
  const type = root.lookupType(`weft.v1.${typeName}`);
  const problem = type.verify(type.fromObject(object as Record<string, unknown>));
  assert.equal(problem, null, `${typeName}: ${problem}`);
  const bytes = type.encode(type.fromObject(object as Record<string, unknown>)).finish();
  return type.toObject(type.decode(bytes), outputOptions) as T;
}

const withoutSource = <T extends { source: unknown }>(object: T) => ({ ...object, source: WIRE_SOURCE });

describe('policy codec', () => {
  const { config, issues } = loadManifests([{ file: 'every-field.yaml', text: everyFieldManifests }]);

  it('starts from fixtures that load cleanly and cover every kind', () => {
    // Every kind is enforced (no not-enforced notice), and one warning: the every-field route mirrors to another namespace, which needs a ReferenceGrant (refused, said).
    const rest = withoutEnforcementNotices(issues, 0);
    assert.equal(rest.length, 1, rest.map(formatIssue).join('\n'));
    assert.match(formatIssue(rest[0]!), /warning: spec\.rules\[0\]\.filters\[2\]\.requestMirror\.backendRef\.namespace: mirror Service audit\/shadow is in another namespace .*ReferenceGrant/);
    assert.equal(config.httpRoutes.length, 1);
    assert.equal(config.grpcRoutes.length, 1);
    assert.equal(config.authorizationPolicies.length, 4);
    assert.equal(config.peerAuthentications.length, 3);
    // So that the round trip below carries every source field, the new ones too.
    const source = config.authorizationPolicies.find((policy) => policy.name === 'reviews-viewers')?.rules[0]?.from[0];
    assert.ok(source);
    for (const [field, values] of Object.entries(source)) assert.ok(values.length > 0, `reviews-viewers' first source sets no ${field}`);
  });

  const cases: Array<[string, keyof MeshConfig, (object: never) => unknown, (body: never) => unknown]> = [
    ['HttpRoute', 'httpRoutes', httpRouteToProto as never, httpRouteFromProto as never],
    ['GrpcRoute', 'grpcRoutes', grpcRouteToProto as never, grpcRouteFromProto as never],
    ['AuthorizationPolicy', 'authorizationPolicies', authorizationPolicyToProto as never, authorizationPolicyFromProto as never],
    ['PeerAuthentication', 'peerAuthentications', peerAuthenticationToProto as never, peerAuthenticationFromProto as never],
  ];
  for (const [typeName, key, toProto, fromProto] of cases) {
    it(`round-trips every ${typeName} through the wire`, () => {
      for (const object of config[key] as Array<{ source: unknown }>) {
        const decoded = fromProto(wire(typeName, toProto(object as never)) as never);
        assert.deepStrictEqual(decoded, withoutSource(object));
      }
    });
  }

  it('carries a route\'s creationTimestamp, the age that breaks precedence ties, and leaves it out when there is none', () => {
    const [http] = config.httpRoutes;
    const [grpc] = config.grpcRoutes;
    assert.ok(http && grpc);
    const created = '2025-03-01T12:00:00Z';
    assert.deepStrictEqual(httpRouteFromProto(wire('HttpRoute', httpRouteToProto({ ...http, creationTimestamp: created }))), withoutSource({ ...http, creationTimestamp: created }));
    assert.deepStrictEqual(grpcRouteFromProto(wire('GrpcRoute', grpcRouteToProto({ ...grpc, creationTimestamp: created }))), withoutSource({ ...grpc, creationTimestamp: created }));
    assert.equal('creationTimestamp' in httpRouteFromProto(wire('HttpRoute', httpRouteToProto(http))), false);
  });

  it('encodes deterministically: equal objects give equal bytes', () => {
    const type = root.lookupType('weft.v1.AuthorizationPolicy');
    const [policy] = config.authorizationPolicies;
    assert.ok(policy);
    const shuffled = { ...policy, selector: Object.fromEntries(Object.entries(policy.selector ?? {}).reverse()) };
    const bytes = (object: typeof policy) => Buffer.from(type.encode(type.fromObject(authorizationPolicyToProto(object) as Record<string, unknown>)).finish());
    assert.deepEqual(bytes(shuffled), bytes(policy));
  });

  it('registers one kind per Resource.body field', () => {
    assert.deepEqual(
      policyKinds.map((kind) => [kind.kind, kind.field, kind.configKey]),
      [
        ['HTTPRoute', 'httpRoute', 'httpRoutes'],
        ['GRPCRoute', 'grpcRoute', 'grpcRoutes'],
        ['AuthorizationPolicy', 'authorizationPolicy', 'authorizationPolicies'],
        ['PeerAuthentication', 'peerAuthentication', 'peerAuthentications'],
      ],
    );
    const [route] = config.httpRoutes;
    assert.ok(route);
    const decoded = policyKinds[0].fromProto(wire('HttpRoute', policyKinds[0].toProto(route)), 'HTTPRoute/shop/reviews');
    assert.equal(decoded.source.file, 'xds:HTTPRoute/shop/reviews');
  });

  it('refuses what the agent could not act on, naming the field', () => {
    const [route] = config.httpRoutes;
    const [policy] = config.authorizationPolicies;
    const [peer] = config.peerAuthentications;
    assert.ok(route && policy && peer);
    const http = wire<Parameters<typeof httpRouteFromProto>[0]>('HttpRoute', httpRouteToProto(route));
    const badRegex = structuredClone(http);
    badRegex.rules[1]!.matches[0]!.path!.value = '(';
    assert.throws(() => httpRouteFromProto(badRegex), /^Error: rules\[1\]\.matches\[0\]\.path\.value: is not a valid regular expression/);
    const unspecified = structuredClone(http);
    unspecified.rules[0]!.matches[0]!.headers[0]!.type = 'TYPE_UNSPECIFIED';
    assert.throws(() => httpRouteFromProto(unspecified), /rules\[0\]\.matches\[0\]\.headers\[0\]\.type: "TYPE_UNSPECIFIED" is not one of EXACT, REGULAR_EXPRESSION/);
    const noMatches = structuredClone(http);
    noMatches.rules[0]!.matches = [];
    assert.throws(() => httpRouteFromProto(noMatches), /rules\[0\]\.matches: must not be empty/);
    const badTimestamp = { ...structuredClone(http), creationTimestamp: 'yesterday' };
    assert.throws(() => httpRouteFromProto(badTimestamp), /^Error: creationTimestamp: "yesterday" is not an RFC 3339 date-time/);
    // rules[4] rewrites with ReplacePrefixMatch: it needs the PathPrefix match whose prefix it replaces.
    const exactThenReplace = structuredClone(http);
    exactThenReplace.rules[4]!.matches[0]!.path!.type = 'EXACT';
    assert.throws(() => httpRouteFromProto(exactThenReplace), /rules\[4\]\.matches: a ReplacePrefixMatch filter needs exactly one match, of path type PathPrefix/);

    const authz = wire<Parameters<typeof authorizationPolicyFromProto>[0]>('AuthorizationPolicy', authorizationPolicyToProto(policy));
    const badCidr = structuredClone(authz);
    badCidr.rules[0]!.from[0]!.ipBlocks = ['10.0.0.0/33'];
    assert.throws(() => authorizationPolicyFromProto(badCidr), /rules\[0\]\.from\[0\]\.ipBlocks\[0\]: .*prefix length/);
    const badRemote = structuredClone(authz);
    badRemote.rules[0]!.from[0]!.remoteIpBlocks = ['10.0.0.0/8', '10.0.0.0/33'];
    assert.throws(() => authorizationPolicyFromProto(badRemote), /rules\[0\]\.from\[0\]\.remoteIpBlocks\[1\]: .*prefix length/);
    const badNotRemote = structuredClone(authz);
    badNotRemote.rules[0]!.from[0]!.notRemoteIpBlocks = ['fd00::/8'];
    assert.throws(() => authorizationPolicyFromProto(badNotRemote), /rules\[0\]\.from\[0\]\.notRemoteIpBlocks\[0\]: .*not an IPv4 address/);
    const badPrincipal = structuredClone(authz);
    badPrincipal.rules[0]!.from[0]!.principals = ['frontend'];
    assert.throws(() => authorizationPolicyFromProto(badPrincipal), /principals\[0\]: must be spiffe:/);

    const mtls = wire<Parameters<typeof peerAuthenticationFromProto>[0]>('PeerAuthentication', peerAuthenticationToProto(peer));
    assert.throws(() => peerAuthenticationFromProto({ ...mtls, portLevelMtls: [{ port: 0, mode: 'STRICT' }] }), /portLevelMtls\[0\]\.port/);
  });
});
