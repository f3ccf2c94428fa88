/**
 * One path's block of a round: open-loop latency (with proxy CPU per
 * request), closed-loop maximum rate (wrk), single-stream bulk (iperf3),
 * fresh-connection setup; around it the agents' counters, to prove the path
 * went (or did not go) through the mesh and to count TLS handshakes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Testbed } from '../testbed/testbed.js';
import { meshCounters } from './agent-scrape.js';
import type { PathRoute } from './bench-mesh.js';
import type { Durations } from './bench-options.js';
import type { BulkRecord, ClosedLoopRecord, OpenLoopRecord, PathRound, SetupRecord } from './bench-records.js';
import { cpuPer, cpuSnapshot, rssSnapshot } from './hop-cpu.js';
import { runInPod, waitForEvent, waitForExit } from './pod-process.js';
import { parseIperf, parseWrk } from './tool-output.js';

const program = (name: string) => fileURLToPath(new URL(`./programs/${name}.js`, import.meta.url));
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export async function measureOpenLoop(bed: Testbed, route: PathRoute, d: Durations, rate = d.rate, warmupMs = d.openLoopWarmupMs, durationMs = d.openLoopMs): Promise<OpenLoopRecord> {
  const { host, port } = route.to.http;
  const child = bed.spawnInPod(route.clientPod, [
    process.execPath, program('open-loop'),
    '--host', host, '--port', String(port),
    '--rate', String(rate), '--warmup-ms', String(warmupMs), '--duration-ms', String(durationMs),
    '--body-bytes', String(d.bodyBytes),
  ]);
  const windowMs = warmupMs + durationMs;
  await waitForEvent(bed, child, 'measure-start', warmupMs + 15_000);
  const before = cpuSnapshot(route.hops);
  await waitForEvent(bed, child, 'measure-end', durationMs + 15_000);
  const result = await waitForEvent(bed, child, 'result', 5000);
  const cpu = cpuPer(route.hops, before, result.completed);
  const { code } = await waitForExit(bed, child, 5000, 'open-loop client');
  if (code !== 0) throw new Error(`open-loop client on ${route.name} exited ${code} after ${windowMs} ms`);
  return {
    latencyUs: result.latencyUs,
    serviceUs: result.serviceUs,
    sendLagUs: result.sendLagUs,
    scheduled: result.scheduled,
    completed: result.completed,
    errors: sum(result.errors),
    connectionsOpened: result.connectionsOpened,
    cpuPerRequestUs: cpu.perUnit,
    cpuSystemShare: cpu.systemShare,
  };
}

export async function measureClosedLoop(bed: Testbed, route: PathRoute, d: Durations): Promise<ClosedLoopRecord> {
  const script = join(bed.runDir, 'wrk-post.lua');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = string.rep("q", ${d.bodyBytes})\nwrk.headers["Content-Type"] = "application/octet-stream"\n`);
  const { host, port } = route.to.http;
  const before = cpuSnapshot(route.hops);
  const lines = await runInPod(
    bed,
    route.clientPod,
    ['wrk', `-t${d.wrkThreads}`, `-c${d.wrkConnections}`, `-d${d.wrkSeconds}s`, '-s', script, `http://${host}:${port}/`],
    d.wrkSeconds * 1000 + 20_000,
  );
  const result = parseWrk(lines.join('\n'));
  return {
    requestsPerSecond: result.requestsPerSecond,
    requests: result.requests,
    errors: result.errors,
    cpuPerRequestUs: cpuPer(route.hops, before, result.requests).perUnit,
  };
}

export async function measureBulk(bed: Testbed, route: PathRoute, d: Durations): Promise<BulkRecord> {
  const { host, port } = route.to.iperf;
  const child = bed.spawnInPod(route.clientPod, ['iperf3', '--client', host, '--port', String(port), '--time', String(d.iperfSeconds), '--json', '--connect-timeout', '5000']);
  const { code, lines } = await waitForExit(bed, child, d.iperfSeconds * 1000 + 20_000, `iperf3 client on ${route.name}`);
  const result = parseIperf(lines.join('\n')); // a failed run reports its own error inside the JSON
  if (code !== 0) throw new Error(`iperf3 client on ${route.name} exited ${code}`);
  return result;
}

export async function measureSetup(bed: Testbed, route: PathRoute, count: number): Promise<SetupRecord> {
  const { host, port } = route.to.http;
  const budgetMs = 30_000;
  const lines = await runInPod(
    bed,
    route.clientPod,
    [process.execPath, program('connection-setup'), '--host', host, '--port', String(port), '--count', String(count), '--budget-ms', String(budgetMs)],
    budgetMs + 15_000,
  );
  const result = JSON.parse(lines.find((line) => line.includes('"event":"result"')) ?? 'null');
  if (!result) throw new Error(`connection-setup printed no result:\n${lines.slice(-10).join('\n')}`);
  return { connectionsPerSecond: result.connectionsPerSecond, firstByteUs: result.firstByteUs, attempted: result.attempted, errors: sum(result.errors) };
}

/** The whole block, with the counters that say whether the path is what it claims to be. */
export async function measurePath(bed: Testbed, route: PathRoute, d: Durations, round: number): Promise<PathRound> {
  const rssIdleKib = rssSnapshot(route.hops);
  const before = await meshCounters(bed);
  const openLoop = await measureOpenLoop(bed, route, d);
  const closedLoop = await measureClosedLoop(bed, route, d);
  const bulk = await measureBulk(bed, route, d);
  const setup = await measureSetup(bed, route, d.setupConnections);
  const after = await meshCounters(bed);
  const redirected = after.redirected - before.redirected;
  if (route.meshed && redirected === 0) throw new Error(`${route.name}: no connect was redirected into the node proxy; the path is not meshed`);
  if (!route.meshed && redirected !== 0) throw new Error(`${route.name}: ${redirected} connects were redirected into the node proxy; the path is not direct`);
  // iperf3: a control connection and one data connection
  const appConnections = openLoop.connectionsOpened + d.wrkConnections + 2 + setup.attempted;
  return { round, path: route.name, openLoop, closedLoop, bulk, setup, rssIdleKib, redirected, handshakes: after.handshakes - before.handshakes, appConnections };
}
