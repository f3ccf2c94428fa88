/**
 * The config model every source produces and the agent and builder consume:
 * validated, defaulted, and free of YAML. Manifest shapes live in schema/.
 */
import type { ConfigIssue } from './issues.js';
import type { AuthorizationPolicy, PeerAuthentication } from './policy-types.js';
import type { GrpcRoute, HttpRoute } from './route-types.js';

export type { ConfigIssue, ResourceRef } from './issues.js';
export type * from './policy-types.js';
export type * from './route-types.js';

/** Where an object came from, for messages that point back at the manifest. */
export interface SourceRef {
  file: string;
  document: number;
  line?: number;
}

export interface ServicePort {
  name?: string;
  port: number;
  /** The workload's port; the manifest's default is `port`. */
  targetPort: number;
  protocol: 'TCP';
  appProtocol?: string;
  /** Named in the Service's `weft.dev/opaque-ports` annotation: TCP, never read for HTTP (model/opaque-ports.ts). */
  opaque?: boolean;
}

export interface Service {
  name: string;
  namespace: string;
  clusterIP: string;
  selector: Record<string, string>;
  ports: ServicePort[];
  source: SourceRef;
}

export interface Workload {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  node: string;
  ip: string;
  serviceAccount: string;
  /**
   * Path under the cgroup v2 mount, starting with '/'. File mode sets it; a
   * Kubernetes source sets uid and qosClass instead, from which the agent
   * finds the pod's cgroup. A workload with neither cannot be enrolled.
   */
  cgroup?: string;
  /** The Pod's UID (Kubernetes sources). */
  uid?: string;
  /** The Pod's QoS class (Kubernetes sources): which kubepods slice its cgroup is under. */
  qosClass?: 'Guaranteed' | 'Burstable' | 'BestEffort';
  /** Effective: false when the Workload says so or its namespace is labelled `weft.dev/mesh: disabled`. */
  mesh: boolean;
  source: SourceRef;
}

/** A namespace as sources know it: its labels say whether it is meshed (`weft.dev/mesh`). */
export interface MeshNamespace {
  name: string;
  labels: Record<string, string>;
  source: SourceRef;
}

/** A node an agent has connected from: where its proxy takes tunnels (port 15008). Known
 * to the control plane at run time, not written in manifests. */
export interface MeshNode {
  name: string;
  ip: string;
  source: SourceRef;
}

export interface MeshConfig {
  nodes: MeshNode[];
  services: Service[];
  workloads: Workload[];
  httpRoutes: HttpRoute[];
  grpcRoutes: GrpcRoute[];
  authorizationPolicies: AuthorizationPolicy[];
  peerAuthentications: PeerAuthentication[];
  namespaces: MeshNamespace[];
}

/** Only objects without errors are in `config`; `issues` says what was rejected or doubtful, and why. */
export interface LoadResult {
  config: MeshConfig;
  issues: ConfigIssue[];
}
