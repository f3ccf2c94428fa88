import type { PathNormalization } from './authz/normalize-path.js';
import type { AccessLogMode } from './proxy/access-log.js';

/** The agent's settings, from flags; defaults are the node ports of the operator's contract. */
export interface AgentOptions {
  node: string;
  nodeIp: string;
  /** standalone mode: a manifest directory, watched */
  configDir?: string;
  /** `unix:/path` or `host:port` of the control plane */
  controlPlane?: string;
  /** PEM roots the control plane's TLS certificate must chain to (required for host:port) */
  controlPlaneCa?: string;
  /** the name the control plane's certificate must carry (default: the host dialled, or weft-control-plane for an IP) */
  controlPlaneServerName?: string;
  /** this node's credential, sent as `authorization: Bearer` on every control-plane call */
  tokenFile?: string;
  /** with a control plane: where the node's last applied config is cached (config-<node>.json), for a start without the control plane */
  stateDir?: string;
  /** pins go under <bpffsRoot>/<node> */
  bpffsRoot: string;
  /** the cgroup v2 mount; discovered when absent */
  cgroupMount?: string;
  outboundPort: number;
  metricsPort: number;
  /** status, on 127.0.0.1 only */
  adminPort: number;
  connectTimeoutMs: number;
  /** how often enrolment failures (e.g. a cgroup not there yet) are retried */
  enrolRetryMs: number;
  /** the kubelet's cgroup driver, for finding pods' cgroups (default auto: whichever hierarchy exists) */
  kubeletCgroupDriver?: 'auto' | 'systemd' | 'cgroupfs';
  /** the kubelet's --cgroup-root, or the slice/directory its kubepods cgroup is in (default /) */
  kubeletCgroupRoot?: string;
  drainGraceMs: number;
  /** access log lines: off, sampled (failures always, the rest at accessLogSampleRate) or full (default) */
  accessLog?: AccessLogMode;
  /** share of successful connections and requests logged in sampled mode, 0..1 (default 0.01) */
  accessLogSampleRate?: number;
  /** connections one source pod may hold through the proxy at once (default: a quarter of what the open-file limit allows) */
  maxConnectionsPerPod?: number;
  /** how request paths are normalised (routing, authorization and forwarding read the same one); default DECODE_AND_MERGE_SLASHES */
  pathNormalization?: PathNormalization;
}

export const agentDefaults = {
  bpffsRoot: '/sys/fs/bpf/weft',
  stateDir: '/var/lib/weft/agent',
  outboundPort: 15001,
  metricsPort: 15020,
  adminPort: 15000,
  connectTimeoutMs: 5000,
  enrolRetryMs: 1000,
  drainGraceMs: 5000,
  kubeletCgroupDriver: 'auto',
  kubeletCgroupRoot: '/',
  accessLog: 'full',
  accessLogSampleRate: 0.01,
} as const;
