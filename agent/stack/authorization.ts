/**
 * One authorization decision for a connection (or a request) to a meshed
 * workload of this node, whichever way it arrived: through a tunnel (the
 * peer's certificate), from a pod of this node (its cgroup), or captured
 * plaintext from outside the mesh (no identity). The decision is published
 * (telemetry counts and logs it) and returned; callers refuse in their own
 * protocol: a reset, a CONNECT answered 403, an HTTP 403.
 */
import type { WorkloadIdentity } from '../../core/spiffe-id.js';
import { spiffeId, type CertificateProvider } from '../../core/spiffe-id.js';
import { workloadIdentity } from '../proxy/peer-identity.js';
import { defaultTrustDomain } from '../telemetry/labels.js';
import type { Workload } from '../../model/types.js';
import type { AuthzRequest } from '../authz/authz-request.js';
import type { AuthzDecision } from '../authz/decision.js';
import type { ProxyState } from '../state/proxy-state.js';
import { channels, type TelemetryScope } from '../telemetry/events.js';

/** How the caller reached the destination: what the decision could know about it. */
export type AuthorizationPath = 'tunnel' | 'local' | 'plaintext';

export interface AuthorizationInputs {
  state: ProxyState;
  scope: TelemetryScope;
}

/** The source attributes of an authenticated caller. */
export function authenticatedSource(identity: WorkloadIdentity, ip: string): AuthzRequest['source'] {
  return { ip, principal: spiffeId(identity), namespace: identity.namespace };
}

const noPolicy: AuthzDecision = { allowed: true, reason: 'no policy selects the workload', audits: [] };

/**
 * The decision for `request` to `workload`. A workload no policy selects costs one WeakMap lookup and
 * publishes nothing (authorization is free there).
 */
export function authorize(inputs: AuthorizationInputs, workload: Workload, request: AuthzRequest, path: AuthorizationPath): AuthzDecision {
  const policies = inputs.state.authorizer.forWorkload(workload);
  if (policies.none) return noPolicy;
  const decision = policies.decide(request);
  if (channels.authorizationDecision.hasSubscribers) {
    channels.authorizationDecision.publish({ scope: inputs.scope, workload, request, decision, path });
  }
  return decision;
}

/** The source attributes of a pod of this node, by the identity its cgroup gives it (its certificate's, when it has one). */
export function localSource(source: Workload, certificates: CertificateProvider | undefined): AuthzRequest['source'] {
  return authenticatedSource(workloadIdentity(source, certificates?.trustDomain ?? defaultTrustDomain), source.ip);
}

/** `ns/name#rule`, the way logs and errors name what decided. */
export function describeDecision(decision: AuthzDecision): string {
  if (decision.policy === undefined) return decision.reason;
  return `${decision.reason} ${decision.policy}${decision.rule === undefined ? '' : ` rule ${decision.rule}`}`;
}
