/**
 * The mTLS mode a workload accepts, from the PeerAuthentications that cover
 * it, with Istio's precedence: a workload-specific policy (a selector that
 * matches the workload's labels, in its namespace) over the namespace-wide one
 * (no selector) over the mesh-wide one (no selector, in the root namespace);
 * UNSET defers to the next of these, and the mesh default is PERMISSIVE.
 */
import { MESH_ROOT_NAMESPACE, type MtlsMode, type PeerAuthentication } from './policy-types.js';

export type EffectiveMtlsMode = Exclude<MtlsMode, 'UNSET'>;

export const MESH_DEFAULT_MTLS_MODE: EffectiveMtlsMode = 'PERMISSIVE';

export interface EffectivePeerAuthentication {
  mode: EffectiveMtlsMode;
  /** portLevelMtls of the workload-specific policy, resolved (UNSET -> `mode`); sorted by port. */
  ports: Array<{ port: number; mode: EffectiveMtlsMode }>;
  /** namespace/name of the policy whose mode applies; undefined: the mesh default. For logs and status. */
  decidedBy?: string;
}

function selects(policy: PeerAuthentication, workload: { namespace: string; labels: Record<string, string> }): boolean {
  return (
    policy.selector !== undefined &&
    policy.namespace === workload.namespace &&
    Object.entries(policy.selector).every(([key, value]) => workload.labels[key] === value)
  );
}

export function effectivePeerAuthentication(
  workload: { namespace: string; labels: Record<string, string> },
  policies: readonly PeerAuthentication[],
): EffectivePeerAuthentication {
  // Istio takes the oldest of several matching workload policies; the model has no
  // creation time, so the first by name decides: the same answer from every source.
  const specific = policies
    .filter((policy) => selects(policy, workload))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
  // build-config admits one namespace-wide policy per namespace, so find() is exact.
  const namespaceWide = policies.find((p) => p.selector === undefined && p.namespace === workload.namespace);
  const meshWide = policies.find((p) => p.selector === undefined && p.namespace === MESH_ROOT_NAMESPACE);

  const deciding = [specific, namespaceWide, meshWide].find((policy) => policy !== undefined && policy.mode !== 'UNSET');
  const mode = deciding ? (deciding.mode as EffectiveMtlsMode) : MESH_DEFAULT_MTLS_MODE;
  const ports = (specific?.portLevelMtls ?? []).map(({ port, mode: portMode }) => ({
    port,
    mode: portMode === 'UNSET' ? mode : portMode,
  }));
  return { mode, ports, ...(deciding ? { decidedBy: `${deciding.namespace}/${deciding.name}` } : {}) };
}
