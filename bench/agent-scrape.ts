/**
 * The agent's own counters, read as Prometheus would: GET :15020/metrics
 * from inside the node's namespace (the only place the node address exists).
 */
import { createRequire } from 'node:module';
import type { Testbed } from '../testbed/testbed.js';

interface MetricFamily {
  name: string;
  metrics: Array<{ value?: string }>;
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => MetricFamily[];

const metricsPort = 15020;
const fetchScript = `fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(e.message); process.exit(1); })`;

/** Counters and gauges of one agent, each summed over its label sets. */
export type AgentCounters = Map<string, number>;

export async function scrapeAgent(bed: Testbed, node: string): Promise<AgentCounters> {
  const { ip, netns } = bed.node(node);
  const { stdout } = await bed.run([process.execPath, '-e', fetchScript, `http://${ip}:${metricsPort}/metrics`], { netns, timeoutMs: 10_000 });
  return sumFamilies(stdout);
}

export function sumFamilies(text: string): AgentCounters {
  const sums: AgentCounters = new Map();
  for (const family of parsePrometheus(text)) {
    const values = family.metrics.map((m) => Number(m.value)).filter(Number.isFinite);
    if (values.length > 0) sums.set(family.name, values.reduce((a, b) => a + b, 0));
  }
  return sums;
}

/** The counters the bench follows, by node. */
export interface MeshCounters {
  /** connects the eBPF program redirected into the node-1 proxy */
  redirected: number;
  /** TLS handshakes of tunnel sessions, both nodes */
  handshakes: number;
}

export const watched = {
  redirected: 'weft_redirected_connects_total',
  handshakes: 'weft_tunnel_handshakes_total',
} as const;

export async function meshCounters(bed: Testbed): Promise<MeshCounters> {
  const [one, two] = await Promise.all([scrapeAgent(bed, 'node-1'), scrapeAgent(bed, 'node-2')]);
  return {
    redirected: one.get(watched.redirected) ?? 0,
    handshakes: (one.get(watched.handshakes) ?? 0) + (two.get(watched.handshakes) ?? 0),
  };
}
