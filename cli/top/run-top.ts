/**
 * `weft top`'s loop: scrape every agent, wait an interval, scrape again, show
 * the golden metrics of the interval; redraw in place on a terminal
 * (log-update), one table (or JSON line) after another elsewhere. Bounded by
 * `durationMs` and stopped early by the signal.
 */
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogUpdate } from 'log-update';
import { goldenMetrics, type GroupBy, type ScrapePair } from './golden-metrics.js';
import { frameJson, renderFrame, type AgentState, type TopFrame } from './render-top.js';
import { scrapeAgent, type ScrapeResult } from './scrape.js';

export interface TopOptions {
  /** metrics URLs (see agentUrl) */
  agents: string[];
  groupBy: GroupBy;
  intervalMs: number;
  /** stop by itself after this long */
  durationMs: number;
  /** one frame after two scrapes, then return */
  once: boolean;
  json: boolean;
  /** process.stdout: redrawn in place when it is a sized terminal */
  output: Writable & { isTTY?: boolean; columns?: number; rows?: number };
}

export function scrapeAll(agents: string[], timeoutMs: number): Promise<ScrapeResult[]> {
  return Promise.all(agents.map((agent) => scrapeAgent(agent, timeoutMs)));
}

/** The frame for two consecutive scrape rounds of the same agents (same order). */
export function buildFrame(previous: ScrapeResult[] | undefined, current: ScrapeResult[], groupBy: GroupBy): TopFrame {
  const pairs: ScrapePair[] = [];
  const agents: AgentState[] = current.map((now, i) => {
    const before = previous?.[i];
    if (!now.ok) return { agent: now.agent, ok: false, error: now.error.message };
    if (before?.ok) {
      pairs.push({ previous: before, current: now });
      return { agent: now.agent, ok: true };
    }
    return previous ? { agent: now.agent, ok: true, warmingUp: true } : { agent: now.agent, ok: true };
  });
  const windows = pairs.map((p) => (p.current.at - p.previous.at) / 1000);
  return {
    at: Date.now(),
    groupBy,
    first: previous === undefined,
    windowSeconds: windows.length > 0 ? windows.reduce((a, b) => a + b, 0) / windows.length : null,
    rows: goldenMetrics(pairs, groupBy),
    agents,
  };
}

/** Resolves to true when at least one agent answered two scrapes in a row (something was measured). */
export async function runTop(options: TopOptions, signal: AbortSignal): Promise<boolean> {
  const { output } = options;
  // A terminal with no size (a pty nobody sized) cannot be redrawn in place: print frames one after another.
  const live = !options.json && output.isTTY === true && (output.columns ?? 0) > 0 && (output.rows ?? 0) > 0;
  const redraw = live ? createLogUpdate(output) : undefined;
  const show = (frame: TopFrame): void => {
    if (options.json) output.write(`${JSON.stringify(frameJson(frame))}\n`);
    else if (redraw) redraw(renderFrame(frame));
    else output.write(`${renderFrame(frame)}\n\n`);
  };
  const timeoutMs = Math.min(options.intervalMs, 2000);
  const deadline = Date.now() + options.durationMs;
  let measured = false;
  try {
    let previous = await scrapeAll(options.agents, timeoutMs);
    if (redraw) redraw(renderFrame(buildFrame(undefined, previous, options.groupBy)));
    while (!signal.aborted && Date.now() < deadline) {
      try {
        await sleep(Math.min(options.intervalMs, Math.max(0, deadline - Date.now())), undefined, { signal });
      } catch {
        break; // aborted
      }
      const current = await scrapeAll(options.agents, timeoutMs);
      const frame = buildFrame(previous, current, options.groupBy);
      if (frame.windowSeconds !== null) measured = true;
      show(frame);
      previous = current;
      if (options.once) break;
    }
  } finally {
    redraw?.done();
  }
  return measured;
}
