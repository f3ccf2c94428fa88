/**
 * Golden metrics per destination service (or workload) from two scrapes of
 * each agent: what `sum by (...) (rate(...[interval]))` and
 * histogram_quantile() would give over the time between the scrapes.
 *
 * Only series with reporter="source" count: HTTP is reported once, by the
 * client's node proxy, and so is TCP on the outbound side; the inbound
 * (reporter="destination") side of a tunnel would count the same traffic again.
 */
import { parseFloatText, seriesKey, type Sample } from './exposition.js';
import { histogramQuantile, type Bucket } from './histogram-quantile.js';

export const istioMetrics = {
  requests: 'istio_requests_total',
  durationBucket: 'istio_request_duration_milliseconds_bucket',
  requestBytesSum: 'istio_request_bytes_sum',
  responseBytesSum: 'istio_response_bytes_sum',
  tcpOpened: 'istio_tcp_connections_opened_total',
  tcpClosed: 'istio_tcp_connections_closed_total',
  tcpSent: 'istio_tcp_sent_bytes_total',
  tcpReceived: 'istio_tcp_received_bytes_total',
} as const;

export type GroupBy = 'service' | 'workload';

export interface TimedSamples {
  /** when the scrape was answered, ms since the epoch */
  at: number;
  samples: Sample[];
}

/** Two good scrapes of one agent, earlier first. */
export interface ScrapePair {
  previous: TimedSamples;
  current: TimedSamples;
}

export interface GoldenRow {
  namespace: string;
  name: string;
  requestsPerSecond: number;
  /** non-5xx / all requests; null without requests */
  successRate: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** opened - closed, now */
  tcpOpenConnections: number;
  /** sent + received; TCP byte counters where the proxy reports them, else HTTP request + response bytes */
  bytesPerSecond: number;
}

interface Accumulator {
  namespace: string;
  name: string;
  requests: number;
  serverErrors: number;
  latency: Map<number, number>;
  tcpOpen: number;
  tcpBytes: number;
  hasTcpBytes: boolean;
  httpBytes: number;
}

const wanted = new Set<string>(Object.values(istioMetrics));

/** A counter's increase between two readings; a drop means the counter restarted from 0 (PromQL's reset rule). */
export function increase(previous: number | undefined, current: number): number {
  if (previous === undefined || current < previous) return current;
  return current - previous;
}

function groupOf(labels: Record<string, string>, by: GroupBy): { namespace: string; name: string } {
  return by === 'service'
    ? { namespace: labels.destination_service_namespace ?? 'unknown', name: labels.destination_service_name ?? 'unknown' }
    : { namespace: labels.destination_workload_namespace ?? 'unknown', name: labels.destination_workload ?? 'unknown' };
}

export function goldenMetrics(pairs: readonly ScrapePair[], by: GroupBy): GoldenRow[] {
  const groups = new Map<string, Accumulator>();
  const accumulator = (labels: Record<string, string>): Accumulator => {
    const { namespace, name } = groupOf(labels, by);
    const key = `${namespace}/${name}`;
    let found = groups.get(key);
    if (!found) {
      found = { namespace, name, requests: 0, serverErrors: 0, latency: new Map(), tcpOpen: 0, tcpBytes: 0, hasTcpBytes: false, httpBytes: 0 };
      groups.set(key, found);
    }
    return found;
  };

  for (const { previous, current } of pairs) {
    const seconds = (current.at - previous.at) / 1000;
    if (!(seconds > 0)) continue;
    const before = new Map(previous.samples.filter((s) => wanted.has(s.name)).map((s) => [seriesKey(s), s.value]));
    for (const sample of current.samples) {
      if (!wanted.has(sample.name) || sample.labels.reporter !== 'source') continue;
      const group = accumulator(sample.labels);
      const perSecond = increase(before.get(seriesKey(sample)), sample.value) / seconds;
      switch (sample.name) {
        case istioMetrics.requests:
          group.requests += perSecond;
          if (/^5\d\d$/.test(sample.labels.response_code ?? '')) group.serverErrors += perSecond;
          break;
        case istioMetrics.durationBucket: {
          const le = parseFloatText(sample.labels.le ?? '');
          if (!Number.isNaN(le)) group.latency.set(le, (group.latency.get(le) ?? 0) + perSecond);
          break;
        }
        case istioMetrics.tcpOpened:
          group.tcpOpen += sample.value;
          break;
        case istioMetrics.tcpClosed:
          group.tcpOpen -= sample.value;
          break;
        case istioMetrics.tcpSent:
        case istioMetrics.tcpReceived:
          group.tcpBytes += perSecond;
          group.hasTcpBytes = true;
          break;
        case istioMetrics.requestBytesSum:
        case istioMetrics.responseBytesSum:
          group.httpBytes += perSecond;
          break;
      }
    }
  }

  return [...groups.values()]
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
    .map((group) => {
      const buckets: Bucket[] = [...group.latency].map(([upperBound, count]) => ({ upperBound, count }));
      const quantile = (q: number): number | null => {
        const value = histogramQuantile(q, buckets);
        return Number.isFinite(value) ? value : null;
      };
      return {
        namespace: group.namespace,
        name: group.name,
        requestsPerSecond: group.requests,
        successRate: group.requests > 0 ? (group.requests - group.serverErrors) / group.requests : null,
        latencyP50Ms: quantile(0.5),
        latencyP99Ms: quantile(0.99),
        tcpOpenConnections: Math.max(0, group.tcpOpen),
        bytesPerSecond: group.hasTcpBytes ? group.tcpBytes : group.httpBytes,
      };
    });
}
