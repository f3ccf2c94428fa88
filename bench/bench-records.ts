/** What one run records: per path and round, the raw figures the summary and the JSON are made of. */
import type { PathName } from './bench-options.js';
import type { LatencySummary } from './programs/latency-histogram.js';

/** by hop name (node-1 proxy, node-2 proxy, haproxy) */
export type PerHop = Record<string, number>;

export interface OpenLoopRecord {
  latencyUs: LatencySummary;
  serviceUs: LatencySummary;
  sendLagUs: LatencySummary;
  scheduled: number;
  completed: number;
  errors: number;
  connectionsOpened: number;
  /** proxy CPU (user + system) in the measured window, per completed request */
  cpuPerRequestUs: PerHop;
  /** the kernel's share of that CPU (stime / (utime + stime)) */
  cpuSystemShare: PerHop;
}

export interface ClosedLoopRecord {
  requestsPerSecond: number;
  requests: number;
  errors: number;
  /** at saturation, for comparison with the open-loop figure */
  cpuPerRequestUs: PerHop;
}

export interface BulkRecord {
  bitsPerSecond: number;
  retransmits: number;
}

export interface SetupRecord {
  connectionsPerSecond: number;
  firstByteUs: LatencySummary;
  attempted: number;
  errors: number;
}

export interface PathRound {
  round: number;
  path: PathName;
  openLoop: OpenLoopRecord;
  closedLoop: ClosedLoopRecord;
  bulk: BulkRecord;
  setup: SetupRecord;
  /** VmRSS of each hop before the round's traffic on this path */
  rssIdleKib: PerHop;
  /** connects redirected into node-1's proxy and TLS handshakes (both agents) during this block */
  redirected: number;
  handshakes: number;
  /** connections the clients opened during this block */
  appConnections: number;
}

export interface HeldRecord {
  path: PathName;
  held: number;
  failed: number;
  openMs: number;
  rssBeforeKib: PerHop;
  rssHeldKib: PerHop;
  kibPerConnection: PerHop;
  handshakes: number;
}
