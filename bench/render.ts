/**
 * The run as Markdown tables (readable in a terminal, pasted as-is into the
 * README): absolute figures, ratios, targets. A cell is the median over
 * rounds with the min–max range in parentheses.
 */
import type { Durations } from './bench-options.js';
import type { RatioSpread, Spread } from './stats.js';
import type { PathSummary } from './summarize.js';
import type { TargetResult } from './targets.js';

export function number(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude > 0 && magnitude < 0.01) return value.toPrecision(2);
  if (magnitude >= 100) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function cell(value: Spread | undefined): string {
  if (!value) return '—';
  return value.n > 1 && value.min !== value.max ? `${number(value.median)} (${number(value.min)}–${number(value.max)})` : number(value.median);
}

function ratioCell(value: RatioSpread | undefined): string {
  if (!value) return '—';
  const range = Number.isFinite(value.min) && Number.isFinite(value.max) ? ` (${number(value.min)}–${number(value.max)})` : '';
  return `${number(value.value)}×${range}`;
}

function hopsCell(values: Record<string, Spread | undefined>): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return '—';
  return entries.map(([hop, value]) => `${hop}: ${cell(value)}`).join('<br>');
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderTables(summaries: PathSummary[], targets: TargetResult[], d: Durations, rounds: number): string {
  const header = ['', ...summaries.map((s) => s.path)];
  const row = (label: string, f: (s: PathSummary) => string) => [label, ...summaries.map(f)];
  const absolute = [
    row(`latency p50 µs (open loop, ${number(d.rate)} req/s)`, (s) => cell(s.latencyUs.p50)),
    row('latency p90 µs', (s) => cell(s.latencyUs.p90)),
    row('latency p99 µs', (s) => cell(s.latencyUs.p99)),
    row('latency p99.9 µs', (s) => cell(s.latencyUs.p999)),
    row('added p50 µs (path − direct)', (s) => (s.path === 'direct' ? '—' : cell(s.addedUs.p50))),
    row('added p99 µs (path − direct)', (s) => (s.path === 'direct' ? '—' : cell(s.addedUs.p99))),
    row(`max req/s (wrk, ${d.wrkConnections} connections)`, (s) => cell(s.requestsPerSecond)),
    row('bulk Gbit/s (iperf3, 1 stream)', (s) => cell(s.bulkGbps)),
    row('fresh connections/s (sequential)', (s) => cell(s.connectionsPerSecond)),
    row('connect-to-first-byte p50 µs', (s) => cell(s.firstByteP50Us)),
    row(`proxy CPU µs/request at ${number(d.rate)} req/s`, (s) => hopsCell(s.cpuPerRequestUs)),
    row('… of which kernel (system time) %', (s) => hopsCell(s.cpuSystemPercent)),
    row('proxy CPU µs/request at max req/s', (s) => hopsCell(s.cpuPerRequestSaturatedUs)),
    row('proxy RSS idle MiB, fresh (warmed up, before holding)', (s) =>
      s.held ? Object.entries(s.held.rssBeforeKib).map(([hop, kib]) => `${hop}: ${number(kib / 1024)}`).join('<br>') : '—',
    ),
    row('proxy RSS idle MiB, after load (before each block)', (s) => hopsCell(s.rssIdleMib)),
    row('proxy KiB per held idle connection', (s) =>
      s.held
        ? [`(${number(s.held.held)} held)`, ...Object.entries(s.held.kibPerConnection).map(([hop, kib]) => `${hop}: ${number(kib)}`)].join('<br>')
        : '—',
    ),
    row('TLS handshakes per app connection', (s) => (s.handshakesPerConnection === undefined ? '—' : `${number(s.handshakesPerConnection)} (${s.handshakes}/${s.appConnections})`)),
  ];
  const ratios = [
    row('p50 vs direct', (s) => ratioCell(s.vsDirect.p50)),
    row('max req/s vs direct', (s) => ratioCell(s.vsDirect.requestsPerSecond)),
    row('bulk vs direct', (s) => ratioCell(s.vsDirect.bulk)),
    row('fresh connections/s vs direct', (s) => ratioCell(s.vsDirect.connectionsPerSecond)),
    row('added p50 vs HAProxy added p50', (s) => ratioCell(s.addedVsHaproxy.p50)),
    row('added p99 vs HAProxy added p99', (s) => ratioCell(s.addedVsHaproxy.p99)),
    row('max req/s vs HAProxy', (s) => ratioCell(s.vsHaproxy.requestsPerSecond)),
    row('bulk vs HAProxy', (s) => ratioCell(s.vsHaproxy.bulk)),
  ];
  const targetRows = targets.map((t) => [
    t.target,
    t.limit,
    t.measured === undefined ? '—' : number(t.measured),
    t.pass === undefined ? 'not measured' : t.pass ? 'pass' : 'FAIL',
    t.distance,
    t.detail,
  ]);
  return [
    `Absolute figures: median over ${rounds} round(s), (min–max) across rounds.`,
    '',
    table(header, absolute),
    '',
    'Ratios: of medians, (min–max) of the per-round ratios.',
    '',
    table(header, ratios),
    '',
    'Targets (issue 6):',
    '',
    table(['target', 'limit', 'measured', 'result', 'distance', 'detail'], targetRows),
  ].join('\n');
}
