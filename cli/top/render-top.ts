/**
 * The faces of `weft top`: a borderless table in the style of `linkerd viz
 * stat` (cli-table3) with the agents' state under it, or one JSON document.
 */
import Table from 'cli-table3';
import type { GoldenRow, GroupBy } from './golden-metrics.js';

export interface AgentState {
  agent: string;
  /** answered this scrape */
  ok: boolean;
  error?: string;
  /** answered now but not last time: its rates start at the next refresh */
  warmingUp?: boolean;
}

export interface TopFrame {
  at: number;
  groupBy: GroupBy;
  /** only one scrape so far: nothing to compare with yet */
  first: boolean;
  /** seconds the rates are averaged over; null when no agent answered two scrapes in a row */
  windowSeconds: number | null;
  rows: GoldenRow[];
  agents: AgentState[];
}

export const columns = ['NAMESPACE', 'NAME', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P99', 'TCP_CONN', 'BYTES/s'] as const;

const none = '-';

export function formatPercent(ratio: number | null): string {
  return ratio === null ? none : `${(ratio * 100).toFixed(2)}%`;
}

export function formatRate(perSecond: number): string {
  return `${perSecond.toFixed(1)}rps`;
}

export function formatLatency(ms: number | null): string {
  if (ms === null) return none;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  return ms >= 10 ? `${Math.round(ms)}ms` : `${Number(ms.toFixed(2))}ms`;
}

export function formatBytes(perSecond: number): string {
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s'];
  let value = perSecond;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

const borderless = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '',
};

export function renderFrame(frame: TopFrame): string {
  const head = columns.map((c) => (c === 'NAME' ? (frame.groupBy === 'service' ? 'SERVICE' : 'WORKLOAD') : c));
  const table = new Table({
    head,
    chars: borderless,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3 },
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  for (const row of frame.rows) {
    table.push([
      row.namespace,
      row.name,
      formatPercent(row.successRate),
      formatRate(row.requestsPerSecond),
      formatLatency(row.latencyP50Ms),
      formatLatency(row.latencyP99Ms),
      String(row.tcpOpenConnections),
      formatBytes(row.bytesPerSecond),
    ]);
  }
  const lines = table.toString().split('\n').map((line) => line.trimEnd());
  if (frame.rows.length === 0) {
    lines.push(
      frame.first ? '(first numbers after the second scrape)' : frame.windowSeconds === null ? '(no agent answered two scrapes in a row)' : '(no mesh traffic reported by these agents yet)',
    );
  }
  lines.push('', footer(frame), ...agentWarnings(frame.agents));
  return lines.join('\n');
}

function footer(frame: TopFrame): string {
  const answered = frame.agents.filter((a) => a.ok).length;
  const window = frame.first ? 'waiting for a second scrape' : frame.windowSeconds === null ? 'no rates' : `rates over the last ${frame.windowSeconds.toFixed(1)} s`;
  const time = new Date(frame.at).toISOString().slice(11, 19);
  return `${answered}/${frame.agents.length} agents answered · ${window} · reporter="source" · ${time} UTC`;
}

function agentWarnings(agents: AgentState[]): string[] {
  return agents.flatMap((a) => {
    if (!a.ok) return [`! ${a.agent}: ${a.error ?? 'no answer'} (its traffic is missing from the table)`];
    if (a.warmingUp) return [`~ ${a.agent}: answered again; its traffic counts from the next refresh`];
    return [];
  });
}

/** The frame as JSON: numbers unformatted, null where there is nothing to say. */
export function frameJson(frame: TopFrame): Record<string, unknown> {
  return {
    at: new Date(frame.at).toISOString(),
    groupBy: frame.groupBy,
    windowSeconds: frame.windowSeconds,
    rows: frame.rows,
    agents: frame.agents,
  };
}
