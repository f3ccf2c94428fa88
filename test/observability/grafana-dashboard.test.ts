/**
 * deploy/observability/grafana-dashboard-weft.json as Grafana and Prometheus
 * will take it: a dashboard Grafana imports as it is (schema version, a
 * Prometheus data source variable every query uses, a layout that fits), every
 * query valid PromQL (parsed by promtool), every metric it reads one the agent
 * really exposes (its prom-client registry, built here as the agent builds
 * it), and every weft_* metric of the agent on some panel.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AgentMetrics } from '../../agent/metrics.js';
import {
  allPanels,
  dashboardQueries,
  loadDashboard,
  metricNames,
  queriesAsRuleFile,
  seriesNames,
  withVariables,
  type Dashboard,
  type MetricFamily,
} from './dashboard-queries.js';
import { promtool } from './promtool.js';

const datasourceRef = { type: 'prometheus', uid: '${datasource}' };

describe('Grafana dashboard for the weft agents', () => {
  let dashboard: Dashboard;
  let families: MetricFamily[];
  let exposed: Set<string>;
  let scratch: string;

  before(async () => {
    dashboard = loadDashboard();
    const metrics = new AgentMetrics();
    families = (await metrics.registry.getMetricsAsJSON()).map(({ name, type }) => ({ name, type: String(type) }));
    exposed = seriesNames(families);
    scratch = mkdtempSync(join(tmpdir(), 'weft-dashboard-'));
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('imports into Grafana 9+: schema version, uid, a Prometheus data source variable that every panel and query uses', () => {
    assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
    assert.match(dashboard.uid, /^[a-zA-Z0-9_-]{1,40}$/);
    const datasource = dashboard.templating.list.find((variable) => variable.name === 'datasource');
    assert.equal(datasource?.type, 'datasource');
    assert.equal(datasource?.query, 'prometheus');
    for (const panel of allPanels(dashboard).filter((p) => p.type !== 'row')) {
      assert.deepEqual(panel.datasource, datasourceRef, `panel "${panel.title}"`);
      assert.ok(panel.targets && panel.targets.length > 0, `panel "${panel.title}" has queries`);
      assert.ok(panel.description, `panel "${panel.title}" says what it shows`);
      for (const target of panel.targets) assert.deepEqual(target.datasource, datasourceRef, `panel "${panel.title}" ${target.refId}`);
      assert.equal(new Set(panel.targets.map((t) => t.refId)).size, panel.targets.length, `panel "${panel.title}" repeats a refId`);
    }
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      assert.deepEqual(variable.datasource, datasourceRef, `variable ${variable.name}`);
    }
  });

  test('panels have unique ids and fit the 24-column grid without overlapping', () => {
    const panels = allPanels(dashboard);
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, 'panel ids are unique');
    const taken = new Map<string, string>();
    for (const panel of panels) {
      const { x, y, w, h } = panel.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `panel "${panel.title}" at ${JSON.stringify(panel.gridPos)}`);
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const cell = `${column},${row}`;
          assert.equal(taken.get(cell), undefined, `"${panel.title}" overlaps "${taken.get(cell)}" at ${cell}`);
          taken.set(cell, panel.title);
        }
      }
    }
  });

  test('every query is PromQL that promtool parses (Grafana variables as "All" sends them)', async () => {
    const queries = dashboardQueries(dashboard);
    assert.ok(queries.length >= 20, `${queries.length} queries`);
    const rules = join(scratch, 'dashboard-rules.yaml');
    writeFileSync(rules, queriesAsRuleFile(queries));
    const result = await promtool(['check', 'rules', rules]);
    assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
  });

  test('every metric a query reads is one the agent exposes', () => {
    const missing: string[] = [];
    for (const query of dashboardQueries(dashboard)) {
      const names = metricNames(query.promql);
      assert.ok(names.length > 0, `panel "${query.panel}" ${query.refId} reads no metric: ${query.expr}`);
      for (const name of names) if (!exposed.has(name)) missing.push(`${name} (panel "${query.panel}")`);
    }
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const text = typeof variable.query === 'string' ? variable.query : variable.query.query;
      const metric = /^label_values\(([a-zA-Z_:][\w:]*)\s*[,{]/.exec(text)?.[1];
      if (metric && !exposed.has(metric)) missing.push(`${metric} (variable ${variable.name})`);
    }
    assert.deepEqual(missing, [], 'metrics the agent does not expose');
  });

  test('every weft_* metric of the agent is on a panel, and so are its CPU, memory and the Istio golden signals', () => {
    const read = new Set(dashboardQueries(dashboard).flatMap((query) => metricNames(query.promql)));
    const families = new Set([...read].map((name) => name.replace(/_(bucket|sum|count)$/, '')));
    const agentOwn = [...exposed].filter((name) => name.startsWith('weft_') && !name.startsWith('weft_process_'));
    assert.ok(agentOwn.length >= 10, `the agent has ${agentOwn.length} weft_* metrics`);
    assert.deepEqual(agentOwn.filter((name) => !read.has(name)), [], 'weft_* metrics without a panel');
    for (const name of [
      'weft_process_process_cpu_seconds_total',
      'weft_process_process_resident_memory_bytes',
      'istio_requests_total',
      'istio_request_duration_milliseconds',
      'istio_tcp_connections_opened_total',
      'istio_tcp_sent_bytes_total',
      'istio_tcp_received_bytes_total',
    ]) {
      assert.ok(families.has(name), `no panel reads ${name}`);
    }
  });

  test('the metric-name reader finds metrics, not functions, labels, keywords or durations', () => {
    assert.deepEqual(
      metricNames(withVariables('histogram_quantile(0.99, sum by (le, destination_service) (rate(a_bucket{node=~"$node", x="by"}[$__rate_interval] offset 5m)))')),
      ['a_bucket'],
    );
    assert.deepEqual(metricNames('sum(rate(a_total[1m])) by (node) / on (node) group_left b and bool c unless 1e3'), ['a_total', 'b', 'c']);
    assert.equal(withVariables('x{n=~"${node:regex}", m="[[svc]]"}[$__interval]'), 'x{n=~".*", m=".*"}[5m]');
  });
});
