/** Rounds and held-connection records -> per-path figures with spreads, and ratios to direct and to HAProxy. */
import { controlFor, type PathName } from './bench-options.js';
import type { HeldRecord, PathRound, PerHop } from './bench-records.js';
import { pairByRound, ratio, ratioSpread, spread, type Paired, type RatioSpread, type Spread } from './stats.js';

export interface Comparison {
  p50?: RatioSpread;
  p99?: RatioSpread;
  requestsPerSecond?: RatioSpread;
  bulk?: RatioSpread;
  connectionsPerSecond?: RatioSpread;
}

export interface PathSummary {
  path: PathName;
  rounds: number;
  latencyUs: { p50?: Spread; p90?: Spread; p99?: Spread; p999?: Spread };
  /** path minus direct, paired by round */
  addedUs: { p50?: Spread; p99?: Spread };
  /** this path's added latency over its HAProxy control's added latency (mode http for the L7 paths, bench-options.ts controlFor) */
  addedVsHaproxy: { p50?: RatioSpread; p99?: RatioSpread };
  requestsPerSecond?: Spread;
  bulkGbps?: Spread;
  connectionsPerSecond?: Spread;
  firstByteP50Us?: Spread;
  vsDirect: Comparison;
  vsHaproxy: Comparison;
  cpuPerRequestUs: Record<string, Spread | undefined>;
  cpuPerRequestSaturatedUs: Record<string, Spread | undefined>;
  /** kernel share of the open-loop CPU, in percent */
  cpuSystemPercent: Record<string, Spread | undefined>;
  rssIdleMib: Record<string, Spread | undefined>;
  handshakes: number;
  appConnections: number;
  handshakesPerConnection?: number;
  errors: { openLoop: number; closedLoop: number; setup: number };
  held?: HeldRecord;
}

type Series = (round: PathRound) => number;

const series = (rounds: PathRound[], f: Series): Paired[] => rounds.map((r) => ({ round: r.round, value: f(r) }));
const spreadOf = (rounds: PathRound[], f: Series) => spread(rounds.map(f));
const total = (rounds: PathRound[], f: Series) => rounds.reduce((sum, r) => sum + f(r), 0);

function perHop(rounds: PathRound[], pick: (r: PathRound) => PerHop, scale = 1): Record<string, Spread | undefined> {
  const hops = [...new Set(rounds.flatMap((r) => Object.keys(pick(r))))];
  return Object.fromEntries(hops.map((hop) => [hop, spread(rounds.map((r) => (pick(r)[hop] ?? NaN) * scale))]));
}

const p50: Series = (r) => r.openLoop.latencyUs.p50;
const p99: Series = (r) => r.openLoop.latencyUs.p99;
const rps: Series = (r) => r.closedLoop.requestsPerSecond;
const bulk: Series = (r) => r.bulk.bitsPerSecond;
const setupRate: Series = (r) => r.setup.connectionsPerSecond;

function compare(path: PathRound[], base: PathRound[] | undefined): Comparison {
  if (!base || base.length === 0) return {};
  const pair = (f: Series) => ratioSpread(series(path, f), series(base, f));
  return { p50: pair(p50), p99: pair(p99), requestsPerSecond: pair(rps), bulk: pair(bulk), connectionsPerSecond: pair(setupRate) };
}

/** Per round, the path's latency percentile minus direct's. */
function added(path: PathRound[], direct: PathRound[] | undefined, f: Series): Paired[] {
  if (!direct) return [];
  const base = new Map(direct.map((r) => [r.round, f(r)]));
  return path.flatMap((r) => (base.has(r.round) ? [{ round: r.round, value: f(r) - base.get(r.round)! }] : []));
}

/** A ratio to HAProxy's added latency, only when that came out above zero: noise can make it negative. */
function versusAdded(path: Paired[], haproxy: Paired[]): RatioSpread | undefined {
  const base = spread(haproxy.map((p) => p.value));
  const mine = spread(path.map((p) => p.value));
  if (!base || !mine || base.median <= 0) return undefined;
  // per-round ratios over the rounds where HAProxy's added latency was positive
  const perRound = spread(pairByRound(path, haproxy.filter((p) => p.value > 0), ratio));
  return { value: mine.median / base.median, min: perRound?.min ?? NaN, max: perRound?.max ?? NaN };
}

export function summarize(paths: PathName[], rounds: PathRound[], held: HeldRecord[]): PathSummary[] {
  const of = (name: PathName) => rounds.filter((r) => r.path === name);
  const direct = paths.includes('direct') ? of('direct') : undefined;
  return paths.map((name): PathSummary => {
    const mine = of(name);
    const control = controlFor(name);
    const haproxy = paths.includes(control) ? of(control) : undefined;
    const haproxyAdded = { p50: added(haproxy ?? [], direct, p50), p99: added(haproxy ?? [], direct, p99) };
    const isControl = name === control;
    const addedP50 = added(mine, direct, p50);
    const addedP99 = added(mine, direct, p99);
    const handshakes = total(mine, (r) => r.handshakes);
    const appConnections = total(mine, (r) => r.appConnections);
    return {
      path: name,
      rounds: mine.length,
      latencyUs: {
        p50: spreadOf(mine, p50),
        p90: spreadOf(mine, (r) => r.openLoop.latencyUs.p90),
        p99: spreadOf(mine, p99),
        p999: spreadOf(mine, (r) => r.openLoop.latencyUs.p999),
      },
      addedUs: { p50: spread(addedP50.map((p) => p.value)), p99: spread(addedP99.map((p) => p.value)) },
      addedVsHaproxy: name === 'direct' || isControl ? {} : { p50: versusAdded(addedP50, haproxyAdded.p50), p99: versusAdded(addedP99, haproxyAdded.p99) },
      requestsPerSecond: spreadOf(mine, rps),
      bulkGbps: spreadOf(mine, (r) => bulk(r) / 1e9),
      connectionsPerSecond: spreadOf(mine, setupRate),
      firstByteP50Us: spreadOf(mine, (r) => r.setup.firstByteUs.p50),
      vsDirect: name === 'direct' ? {} : compare(mine, direct),
      vsHaproxy: isControl ? {} : compare(mine, haproxy),
      cpuPerRequestUs: perHop(mine, (r) => r.openLoop.cpuPerRequestUs),
      cpuPerRequestSaturatedUs: perHop(mine, (r) => r.closedLoop.cpuPerRequestUs),
      cpuSystemPercent: perHop(mine, (r) => r.openLoop.cpuSystemShare, 100),
      rssIdleMib: perHop(mine, (r) => r.rssIdleKib, 1 / 1024),
      handshakes,
      appConnections,
      handshakesPerConnection: ratio(handshakes, appConnections),
      errors: {
        openLoop: total(mine, (r) => r.openLoop.errors),
        closedLoop: total(mine, (r) => r.closedLoop.errors),
        setup: total(mine, (r) => r.setup.errors),
      },
      held: held.find((h) => h.path === name),
    };
  });
}
