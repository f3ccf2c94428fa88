/** What one bench run does: which paths, how many rounds, how long each measurement lasts. */

export const pathNames = ['direct', 'same-node', 'cross-node-mtls', 'haproxy', 'same-node-l7', 'cross-node-l7', 'haproxy-http', 'same-node-authz'] as const;
export type PathName = (typeof pathNames)[number];

/** The L7 paths (HTTP terminated, one HTTPRoute) and their control, HAProxy in `mode http` on the same route. */
export const l7Paths: readonly PathName[] = ['same-node-l7', 'cross-node-l7'];
/** The HAProxy a path is compared with: `mode http` for the L7 paths, `mode tcp` for the rest. */
export function controlFor(path: PathName): PathName {
  return l7Paths.includes(path) || path === 'haproxy-http' ? 'haproxy-http' : 'haproxy';
}

export interface Durations {
  /** open loop: requests per second, warm-up and measured window */
  rate: number;
  openLoopWarmupMs: number;
  openLoopMs: number;
  /** closed loop (wrk) */
  wrkThreads: number;
  wrkConnections: number;
  wrkSeconds: number;
  /** single-stream bulk (iperf3) */
  iperfSeconds: number;
  /** sequential fresh connections */
  setupConnections: number;
  /** idle connections held for the memory figure */
  heldConnections: number;
  /** request and response body */
  bodyBytes: number;
}

export interface BenchOptions {
  rounds: number;
  quick: boolean;
  paths: PathName[];
  durations: Durations;
  /** the agents write CPU profiles here (diagnostics; such a run is not the README's) */
  profileDir?: string;
}

export const fullDurations: Durations = {
  rate: 1000,
  openLoopWarmupMs: 1000,
  openLoopMs: 10_000,
  wrkThreads: 1,
  wrkConnections: 32,
  wrkSeconds: 5,
  iperfSeconds: 3,
  setupConnections: 300,
  heldConnections: 10_000,
  bodyBytes: 1024,
};

/** For working on the bench itself: every step runs, each briefly; results are not the README's. */
export const quickDurations: Durations = {
  ...fullDurations,
  openLoopWarmupMs: 300,
  openLoopMs: 2000,
  wrkSeconds: 1,
  iperfSeconds: 1,
  setupConnections: 50,
  heldConnections: 1000,
};

export function parsePaths(text: string): PathName[] {
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(pathNames as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown path(s) ${unknown.join(', ')}; known: ${pathNames.join(', ')}`);
  if (names.length === 0) throw new Error('no path given');
  // the table's order, whatever order they were given in
  return pathNames.filter((name) => names.includes(name));
}
