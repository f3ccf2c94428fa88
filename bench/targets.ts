/**
 * Issue 6's targets, judged on one run's own figures: each passes or fails
 * with the distance to its limit, or is "not measured" when the run left out
 * a path it needs.
 */
import type { PathSummary } from './summarize.js';

export interface TargetResult {
  target: string;
  limit: string;
  measured?: number;
  /** the figure as the table shows it, with where it came from */
  detail: string;
  pass?: boolean;
  distance: string;
}

interface Limit {
  target: string;
  unit: string;
  kind: 'at-most' | 'at-least';
  limit: number;
}

const agentHop = (hop: string) => hop.endsWith(' proxy');
const round = (value: number) => {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return magnitude > 0 && magnitude < 0.01 ? value.toPrecision(2) : value.toFixed(2);
};

function judge({ target, unit, kind, limit }: Limit, measured: number | undefined, detail: string): TargetResult {
  const shown = `${kind === 'at-most' ? '≤' : '≥'} ${limit}${unit}`;
  if (measured === undefined || !Number.isFinite(measured)) return { target, limit: shown, detail: detail || 'not measured in this run', distance: '—' };
  const pass = kind === 'at-most' ? measured <= limit : measured >= limit;
  const gap = Math.abs(measured - limit);
  const times = limit !== 0 ? ` (${round(measured / limit)}× the limit)` : '';
  const distance = pass
    ? `met, ${round(gap)}${unit} to spare`
    : `${round(gap)}${unit} ${kind === 'at-most' ? 'over' : 'short'}${times}`;
  return { target, limit: shown, measured, detail, pass, distance };
}

export function evaluateTargets(summaries: PathSummary[]): TargetResult[] {
  const path = (name: string) => summaries.find((s) => s.path === name);
  const cross = path('cross-node-mtls');
  const meshed = summaries.filter((s) => s.path === 'same-node' || s.path === 'cross-node-mtls');

  const cpu = meshed.flatMap((s) =>
    Object.entries(s.cpuPerRequestUs).flatMap(([hop, value]) => (value ? [{ label: `${s.path} ${hop}`, value: value.median }] : [])),
  );
  const rssIdle = meshed.flatMap((s) => [
    ...Object.entries(s.rssIdleMib).flatMap(([hop, value]) => (value && agentHop(hop) ? [{ label: hop, value: value.max }] : [])),
    ...Object.entries(s.held?.rssBeforeKib ?? {}).flatMap(([hop, kib]) => (agentHop(hop) ? [{ label: hop, value: kib / 1024 }] : [])),
  ]);
  const perHeld = meshed.flatMap((s) =>
    Object.entries(s.held?.kibPerConnection ?? {}).flatMap(([hop, kib]) => (agentHop(hop) ? [{ label: `${s.path} ${hop}`, value: kib }] : [])),
  );
  const worst = (items: Array<{ label: string; value: number }>) =>
    items.length === 0 ? undefined : items.reduce((a, b) => (b.value > a.value ? b : a));
  const list = (items: Array<{ label: string; value: number }>, unit: string) => items.map((i) => `${i.label} ${round(i.value)}${unit}`).join('; ');

  const haproxy = path('haproxy');
  const bulk = cross?.vsDirect.bulk;
  const spreadNote = (r?: { min: number; max: number }) => (r ? `rounds ${round(r.min)}–${round(r.max)}×` : '');
  /** A ratio to HAProxy's added latency means something only when that latency came out above the noise. */
  const versusHaproxy = (which: 'p50' | 'p99', limit: number) => {
    const spec: Limit = { target: `cross-node mTLS added ${which} vs HAProxy added ${which}`, unit: '×', kind: 'at-most', limit };
    const base = haproxy?.addedUs[which];
    const mine = cross?.addedUs[which];
    const amounts = mine && base ? `${round(mine.median)} µs vs ${round(base.median)} µs` : '';
    if (base && base.median <= 0) return judge(spec, undefined, `HAProxy's added ${which} came out ≤ 0 (${round(base.median)} µs): the run's noise exceeds it`);
    const ratio = cross?.addedVsHaproxy[which];
    return judge(spec, ratio?.value, [amounts, spreadNote(ratio)].filter(Boolean).join('; '));
  };
  const haproxyHttp = path('haproxy-http');
  /** The L7 paths against HAProxy in http mode on the same route (issue 13): req/s at least half, added p50 at most 3×. */
  const l7Targets = (['same-node-l7', 'cross-node-l7'] as const).flatMap((name) => {
    const l7 = path(name);
    if (!l7 && !haproxyHttp) return [];
    const rps = l7?.vsHaproxy.requestsPerSecond;
    const rpsAmounts = l7?.requestsPerSecond && haproxyHttp?.requestsPerSecond ? `${round(l7.requestsPerSecond.median)} vs ${round(haproxyHttp.requestsPerSecond.median)} req/s` : '';
    const added = l7?.addedVsHaproxy.p50;
    const base = haproxyHttp?.addedUs.p50;
    const addedAmounts = l7?.addedUs.p50 && base ? `${round(l7.addedUs.p50.median)} µs vs ${round(base.median)} µs` : '';
    const addedSpec: Limit = { target: `${name} added p50 vs HAProxy-http added p50`, unit: '×', kind: 'at-most', limit: 3 };
    return [
      judge({ target: `${name} req/s vs HAProxy-http req/s`, unit: '×', kind: 'at-least', limit: 0.5 }, rps?.value, [rpsAmounts, spreadNote(rps)].filter(Boolean).join('; ')),
      base && base.median <= 0
        ? judge(addedSpec, undefined, `HAProxy-http's added p50 came out ≤ 0 (${round(base.median)} µs): the run's noise exceeds it`)
        : judge(addedSpec, added?.value, [addedAmounts, spreadNote(added)].filter(Boolean).join('; ')),
    ];
  });
  /** Issue 14: authorization where a policy applies costs little, and nothing where none does (the L4 paths run with 100 unrelated policies). */
  const plain = path('same-node');
  const guarded = path('same-node-authz');
  const authzTargets =
    plain && guarded
      ? [
          judge(
            { target: 'same-node-authz req/s vs same-node req/s (an L4 ALLOW applies vs none)', unit: '×', kind: 'at-least', limit: 0.9 },
            plain.requestsPerSecond && guarded.requestsPerSecond ? guarded.requestsPerSecond.median / plain.requestsPerSecond.median : undefined,
            plain.requestsPerSecond && guarded.requestsPerSecond ? `${round(guarded.requestsPerSecond.median)} vs ${round(plain.requestsPerSecond.median)} req/s` : '',
          ),
          judge(
            { target: 'same-node-authz added p50 vs same-node added p50', unit: '×', kind: 'at-most', limit: 1.1 },
            plain.addedUs.p50 && guarded.addedUs.p50 && plain.addedUs.p50.median > 0 ? guarded.addedUs.p50.median / plain.addedUs.p50.median : undefined,
            plain.addedUs.p50 && guarded.addedUs.p50 ? `${round(guarded.addedUs.p50.median)} µs vs ${round(plain.addedUs.p50.median)} µs` : '',
          ),
        ]
      : [];
  return [
    ...l7Targets,
    ...authzTargets,
    versusHaproxy('p50', 1.0),
    versusHaproxy('p99', 1.5),
    judge({ target: 'bulk throughput with mTLS vs direct', unit: '×', kind: 'at-least', limit: 0.35 }, bulk?.value, spreadNote(bulk)),
    judge({ target: 'proxy CPU per request per hop (1,000 req/s)', unit: ' µs', kind: 'at-most', limit: 50 }, worst(cpu)?.value, list(cpu, ' µs')),
    judge(
      { target: 'TLS handshakes per app connection after warm-up', unit: '', kind: 'at-most', limit: 0 },
      cross?.handshakesPerConnection,
      cross ? `${cross.handshakes} handshake(s) / ${cross.appConnections} connections over ${cross.rounds} rounds` : '',
    ),
    judge({ target: 'agent RSS idle', unit: ' MiB', kind: 'at-most', limit: 64 }, worst(rssIdle)?.value, worst(rssIdle) ? `largest: ${worst(rssIdle)!.label}` : ''),
    judge({ target: 'agent RSS per idle held connection', unit: ' KiB', kind: 'at-most', limit: 10 }, worst(perHeld)?.value, list(perHeld, ' KiB')),
  ];
}
