/**
 * The PromQL of deploy/observability/grafana-dashboard-weft.json, as the
 * tests need it: every query of every panel (rows included), with Grafana's
 * variables replaced by values Prometheus accepts, and the metric names each
 * one reads; and the series names a /metrics page (or a prom-client
 * registry) really exposes, to hold them against.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installRoot } from '../../core/paths.js';

export const dashboardFile = join(installRoot, 'deploy', 'observability', 'grafana-dashboard-weft.json');

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource?: { type?: string; uid?: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
}

export interface DashboardVariable {
  name: string;
  type: string;
  query: string | { query: string };
  datasource?: { type?: string; uid?: string };
}

export interface Dashboard {
  schemaVersion: number;
  title: string;
  uid: string;
  panels: DashboardPanel[];
  templating: { list: DashboardVariable[] };
}

export interface PanelQuery {
  panel: string;
  refId: string;
  /** as written in the dashboard */
  expr: string;
  /** with Grafana's variables replaced: what Prometheus gets */
  promql: string;
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(dashboardFile, 'utf8')) as Dashboard;
}

/** Every panel, the ones inside collapsed rows too. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export function dashboardQueries(dashboard: Dashboard): PanelQuery[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, refId: target.refId, expr: target.expr, promql: withVariables(target.expr) })),
  );
}

/**
 * Grafana's interval variables become a duration; every other variable
 * (`$node`, `${node}`, `${node:regex}`, `[[node]]`) becomes `.*`, which is
 * what "All" sends. A variable used anywhere but inside a label matcher's
 * string then no longer parses, as it would not in Grafana either.
 */
export function withVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g, '5m')
    .replace(/\$\{\w+(:\w+)?\}|\$\w+|\[\[\w+\]\]/g, '.*');
}

const notMetrics = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: identifiers that are not a
 * function or aggregation (followed by "("), not a keyword, not a label
 * (inside {} or a grouping clause), not part of a number or a duration.
 */
export function metricNames(promql: string): string[] {
  const bare = promql
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w:.])[a-zA-Z_:][\w:]*/g)) {
    const name = match[0];
    const after = bare.slice(match.index! + name.length).trimStart();
    if (after.startsWith('(') || notMetrics.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

export interface MetricFamily {
  name: string;
  type: string;
}

/** The series names a family is read by: a histogram's buckets, sum and count. */
export function seriesNames(families: Iterable<MetricFamily>): Set<string> {
  const names = new Set<string>();
  for (const { name, type } of families) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

/** The families of a text exposition page, from its `# TYPE` lines. */
export function familiesOfExposition(text: string): MetricFamily[] {
  return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => ({ name: match[1]!, type: match[2]! }));
}

/** A Prometheus rule file with one recording rule per query: `promtool check rules` parses each. */
export function queriesAsRuleFile(queries: PanelQuery[]): string {
  const rules = queries.map((query, i) => ({ record: `weft_dashboard:query_${i}`, expr: query.promql }));
  return JSON.stringify({ groups: [{ name: 'weft-dashboard', rules }] }, null, 2);
}
