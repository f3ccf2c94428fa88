/**
 * Reads one agent's metrics endpoint (`http://<node-ip>:15020/metrics`). A
 * failure is a result, not an exception: `weft top` shows it and goes on.
 */
import { agentDefaults } from '../../agent/config.js';
import { parseExposition, type Sample } from './exposition.js';
import { ScrapeError } from './top-errors.js';

export type ScrapeResult =
  | { agent: string; ok: true; at: number; samples: Sample[] }
  | { agent: string; ok: false; at: number; error: ScrapeError };

/** `10.10.0.1`, `10.10.0.1:15020` or a full URL -> the metrics URL; undefined when it is none of these.
 * Without a scheme the port defaults to 15020; without a path, /metrics. */
export function agentUrl(text: string): string | undefined {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `http://${text}`);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return undefined;
  if (!hasScheme && !/^[^/]*:\d+(\/|$)/.test(text)) url.port = String(agentDefaults.metricsPort);
  if (url.pathname === '/') url.pathname = '/metrics';
  return url.toString();
}

function reason(error: unknown, timeoutMs: number): string {
  const failure = error as Error & { cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = failure.cause;
  if (cause?.message) return cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  return cause?.code ?? failure.message;
}

export async function scrapeAgent(agent: string, timeoutMs: number): Promise<ScrapeResult> {
  try {
    const response = await fetch(agent, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    const at = Date.now();
    if (!response.ok) {
      return { agent, ok: false, at, error: new ScrapeError(agent, `HTTP ${response.status} ${response.statusText}`.trim()) };
    }
    try {
      return { agent, ok: true, at, samples: parseExposition(text) };
    } catch (error) {
      return { agent, ok: false, at, error: new ScrapeError(agent, `not the Prometheus text format: ${(error as Error).message}`, { cause: error }) };
    }
  } catch (error) {
    return { agent, ok: false, at: Date.now(), error: new ScrapeError(agent, reason(error, timeoutMs), { cause: error }) };
  }
}
