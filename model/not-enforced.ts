/**
 * Kinds the control plane accepts and distributes but the proxy does not act on yet. Accepted
 * config must never be silently ignored: until a kind is enforced, `weft config validate`
 * warns on each object of it, the agent logs it and `weft status` lists it. Remove a kind from
 * here in the change that enforces it.
 */
import type { MeshConfig } from './types.js';

export const notEnforcedKinds = {
  HTTPRoute: 'the proxy balances connections at L4 and does not apply HTTP routes (matches, splits, filters, timeouts, retries) yet',
  GRPCRoute: 'the proxy balances connections at L4 and does not apply gRPC routes yet',
  AuthorizationPolicy: 'the proxy does not enforce authorization yet: connections are let through whatever the policy says',
} as const;

export type NotEnforcedKind = keyof typeof notEnforcedKinds;

export interface NotEnforcedObject {
  kind: NotEnforcedKind;
  namespace: string;
  name: string;
}

export function isNotEnforcedKind(kind: string): kind is NotEnforcedKind {
  return Object.hasOwn(notEnforcedKinds, kind);
}

export function notEnforcedObjects(config: MeshConfig): NotEnforcedObject[] {
  const of = (kind: NotEnforcedKind, objects: ReadonlyArray<{ namespace: string; name: string }>) =>
    objects.map(({ namespace, name }) => ({ kind, namespace, name }));
  return [
    ...of('HTTPRoute', config.httpRoutes),
    ...of('GRPCRoute', config.grpcRoutes),
    ...of('AuthorizationPolicy', config.authorizationPolicies),
  ];
}
