/**
 * The config model every source produces and the agent and builder consume:
 * validated, defaulted, and free of YAML. Manifest shapes live in schema/.
 */
import type { ConfigIssue } from './issues.js';

export type { ConfigIssue } from './issues.js';

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
  /** Path under the cgroup v2 mount, starting with '/'. */
  cgroup: string;
  /** Effective: false when the Workload says so or its namespace is labelled `weft.dev/mesh: disabled`. */
  mesh: boolean;
  source: SourceRef;
}

export interface MeshConfig {
  services: Service[];
  workloads: Workload[];
}

/** Only objects without errors are in `config`; `issues` says what was rejected or doubtful, and why. */
export interface LoadResult {
  config: MeshConfig;
  issues: ConfigIssue[];
}
