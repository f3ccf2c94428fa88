/**
 * The answer to one AuthzRequest, with enough to explain it: `weft authz
 * check` prints it, and the access log names the policy and rule.
 */
export type AuthzReason =
  | 'no policy selects the workload'
  | 'denied by policy'
  | 'no ALLOW policy applies'
  | 'allowed by policy'
  | 'no ALLOW policy matched';

export interface AuthzMatch {
  /** `namespace/name`. */
  policy: string;
  /** Index of the rule in spec.rules. */
  rule: number;
}

export interface AuthzDecision {
  allowed: boolean;
  /** The DENY or ALLOW policy that decided; undefined when none did (no policy, or no ALLOW matched). */
  policy?: string;
  action?: 'ALLOW' | 'DENY';
  /** Index in spec.rules of the rule that decided. */
  rule?: number;
  reason: AuthzReason;
  /** AUDIT policies with a matching rule (its first), in policy order; they never change `allowed`. */
  audits: AuthzMatch[];
}

export function policyId(policy: { namespace: string; name: string }): string {
  return `${policy.namespace}/${policy.name}`;
}
