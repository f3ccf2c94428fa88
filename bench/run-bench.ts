/**
 * `npm run bench`: the mesh measured side by side with no mesh and with one
 * HAProxy hop, on a two-node testbed it builds and removes itself.
 *
 *   npm run bench [-- --rounds 3] [--quick] [--paths direct,same-node,cross-node-mtls,haproxy]
 *
 * Rounds are interleaved (round 1: every path, round 2: every path, ...; the
 * order rotates each round) so that the machine's slow moments spread over
 * all paths. Prints Markdown tables and writes bench/results/*.json.
 * Not part of the test suite: run as root, on demand.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { cpus, loadavg, release } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';
import { BenchMesh, type PathRoute } from './bench-mesh.js';
import { fullDurations, parsePaths, pathNames, quickDurations, type BenchOptions, type PathName } from './bench-options.js';
import type { HeldRecord, PathRound, PerHop } from './bench-records.js';
import { ensureTools, toolVersions } from './ensure-tools.js';
import { cpuPer, cpuSnapshot } from './hop-cpu.js';
import { measureHeld } from './measure-held.js';
import { measureOpenLoop, measurePath, measureSetup } from './measure-path.js';
import { number, renderTables } from './render.js';
import { writeResults } from './results-file.js';
import { summarize } from './summarize.js';
import { evaluateTargets } from './targets.js';

/** A run that has not finished by then is stopped (and its testbed removed by the exit hooks). */
const runDeadlineMs = 30 * 60_000;
const idleWindowMs = 3000;
/** file descriptors: 10,000 held connections are 20,000 sockets in a same-node proxy */
const openFilesWanted = 262_144;
/** descriptors a proxy needs besides the held connections' (listeners, tunnels, logs, maps) */
const fdHeadroom = 1024;

function progress(startedAt: number): (line: string) => void {
  return (line) => process.stderr.write(`[${String(Math.round((Date.now() - startedAt) / 1000)).padStart(4)}s] ${line}\n`);
}

function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * Raises this process's RLIMIT_NOFILE (inherited by every process of the
 * testbed) as far as allowed: without CAP_SYS_RESOURCE the hard limit stays
 * where it is. Returns the limit the processes get.
 */
function raiseOpenFiles(): number {
  const pid = String(process.pid);
  try {
    execFileSync('prlimit', ['--pid', pid, `--nofile=${openFilesWanted}:${openFilesWanted}`], { stdio: 'ignore' });
    return openFilesWanted;
  } catch {
    const hard = Number(execFileSync('prlimit', ['--pid', pid, '--nofile', '--raw', '--noheadings', '--output', 'HARD'], { encoding: 'utf8' }).trim());
    execFileSync('prlimit', ['--pid', pid, `--nofile=${hard}:${hard}`]);
    return hard;
  }
}

/** As many idle connections as asked, or as many as the busiest hop has descriptors for. */
function heldCount(route: PathRoute, wanted: number, fdLimit: number): number {
  return route.socketsPerConnection === 0 ? wanted : Math.min(wanted, Math.floor((fdLimit - fdHeadroom) / route.socketsPerConnection));
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function describeRound(r: PathRound): string {
  const l = r.openLoop.latencyUs;
  const cpu = Object.entries(r.openLoop.cpuPerRequestUs).map(([hop, us]) => `${hop} ${number(us)} µs/req`).join(', ');
  return (
    `p50 ${number(l.p50)} p99 ${number(l.p99)} µs; ${number(r.closedLoop.requestsPerSecond)} req/s; ` +
    `${number(r.bulk.bitsPerSecond / 1e9)} Gbit/s; ${number(r.setup.connectionsPerSecond)} conn/s` +
    (cpu ? `; ${cpu}` : '') +
    (r.handshakes ? `; ${r.handshakes} TLS handshake${r.handshakes === 1 ? '' : 's'}` : '')
  );
}

interface Phase {
  bench: BenchMesh;
  options: BenchOptions;
  say: (line: string) => void;
}

/** Certificates fetched, tunnels up, code paths compiled, before anything counts. */
async function warmUp({ bench, options, say }: Phase, names: PathName[]): Promise<void> {
  for (const name of names) {
    say(`warm-up ${name}`);
    await measureOpenLoop(bench.bed, bench.route(name), options.durations, 200, 0, 1000);
    await measureSetup(bench.bed, bench.route(name), 20);
  }
}

/**
 * Memory first, each meshed path on agents no other measurement has grown (a
 * heap, once grown, is not given back, and would hide what connections
 * cost); then fresh agents again for the rounds.
 */
async function measureMemory(phase: Phase, fdLimit: number): Promise<HeldRecord[]> {
  const { bench, options, say } = phase;
  const wanted = options.durations.heldConnections;
  const records: HeldRecord[] = [];
  let agentsUsed = false;
  // The L7 paths hold their idle connections on the same TCP ports as the L4 ones: measured once, there.
  for (const name of options.paths.filter((p) => bench.route(p).hops.length > 0 && !bench.route(p).l7)) {
    if (bench.route(name).meshed) {
      if (agentsUsed) await bench.restartAgents();
      agentsUsed = true;
    }
    await warmUp(phase, [name]);
    const route = bench.route(name);
    const count = heldCount(route, wanted, fdLimit);
    const limited = count < wanted ? ` (not ${number(wanted)}: ${number(fdLimit)} open files per process)` : '';
    say(`holding ${number(count)} idle connections through ${name}${limited}`);
    const record = await measureHeld(bench.bed, route, count);
    records.push(record);
    const perConnection = Object.entries(record.kibPerConnection).map(([hop, kib]) => `${hop} ${number(kib)} KiB`).join(', ');
    say(`  ${record.held} held (${record.failed} failed) in ${record.openMs} ms: ${perConnection}; ${record.handshakes} TLS handshakes`);
  }
  if (agentsUsed) {
    say('fresh agents for the rounds');
    await bench.restartAgents();
  }
  return records;
}

/** Each hop's CPU with no traffic at all, in percent of one core: the floor under the per-request figures. */
async function idleCpu({ bench, options, say }: Phase): Promise<PerHop> {
  const hops = [...new Map(options.paths.flatMap((name) => bench.route(name).hops).map((hop) => [hop.name, hop])).values()];
  await sleep(500);
  const before = cpuSnapshot(hops);
  await sleep(idleWindowMs);
  const percent = Object.fromEntries(Object.entries(cpuPer(hops, before, idleWindowMs / 1000).perUnit).map(([hop, us]) => [hop, us / 10_000]));
  say(`idle CPU: ${Object.entries(percent).map(([hop, pct]) => `${hop} ${number(pct)}%`).join(', ')}`);
  return percent;
}

async function runBench(options: BenchOptions, command: string): Promise<void> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const say = progress(started);
  const d = options.durations;
  if (process.getuid?.() !== 0) throw new Error('the bench builds network namespaces, cgroups and eBPF programs: run it as root');
  ensureTools();
  const fdLimit = raiseOpenFiles();
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const loadAverageStart = loadavg();

  say(`building the testbed (paths: ${options.paths.join(', ')}; ${options.rounds} rounds${options.quick ? '; quick' : ''})`);
  // HAProxy keeps two descriptors per connection and refuses a maxconn it has no descriptors for
  const bench = await BenchMesh.create({ paths: options.paths, maxConnections: Math.floor((fdLimit - fdHeadroom) / 2), progress: say, profileDir: options.profileDir });
  say(`testbed ${bench.bed.prefix} (logs in ${bench.bed.runDir} while it runs; WEFT_KEEP_LOGS=1 keeps them)`);
  const rounds: PathRound[] = [];
  const held: HeldRecord[] = [];
  let idleCpuPercent: PerHop = {};
  try {
    const phase = { bench, options, say };
    held.push(...(await measureMemory(phase, fdLimit)));
    await warmUp(phase, options.paths);
    idleCpuPercent = await idleCpu(phase);
    for (let round = 1; round <= options.rounds; round++) {
      for (const name of rotate(options.paths, round - 1)) {
        const record = await measurePath(bench.bed, bench.route(name), d, round);
        rounds.push(record);
        say(`round ${round}/${options.rounds} ${name}: ${describeRound(record)}`);
      }
    }
    if (options.profileDir) {
      say(`stopping the agents: CPU profiles go to ${options.profileDir}`);
      await bench.stopAgents();
    }
  } finally {
    say('removing the testbed');
    await bench.destroy();
  }

  const summary = summarize(options.paths, rounds, held);
  const targets = evaluateTargets(summary);
  const table = renderTables(summary, targets, d, options.rounds);
  const finished = Date.now();
  const full = !options.quick && !options.profileDir && options.paths.length === pathNames.length && options.rounds >= 3 && d.heldConnections === fullDurations.heldConnections;
  const results = {
    version: 1,
    command,
    startedAt,
    finishedAt: new Date(finished).toISOString(),
    durationSeconds: Math.round((finished - started) / 1000),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      os: osName(),
      kernel: release(),
      node: process.version,
      tools: toolVersions(),
      loadAverageStart,
      loadAverageEnd: loadavg(),
      openFilesLimit: fdLimit,
    },
    options,
    idleCpuPercent,
    rounds,
    held,
    summary,
    targets,
    table,
  };
  const files = writeResults(results, full);
  process.stdout.write(`\n${table}\n\n`);
  say(`done in ${results.durationSeconds} s; load average ${loadAverageStart.map(number).join(' ')} -> ${results.machine.loadAverageEnd.map(number).join(' ')}`);
  say(`results: ${files.join(', ')}`);
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new InvalidArgumentError(`'${value}' is not a whole number from 1 to 50`);
  return n;
}

const program = new Command('bench')
  .description('measure the mesh against direct pod-to-pod traffic and one HAProxy hop, on a testbed it builds (as root)')
  .option('--rounds <n>', 'interleaved rounds per path', positiveInteger, 3)
  .option('--quick', 'short measurements, for working on the bench (results do not replace latest.json)')
  .option('--held-connections <n>', 'idle connections held for the memory figure (default 10000; 1000 with --quick)', (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 100 || n > 50_000) throw new InvalidArgumentError(`'${value}' is not a whole number from 100 to 50000`);
    return n;
  })
  .option('--profile-agents <dir>', 'run the agents with --cpu-prof; their .cpuprofile files (one per agent start) go to <dir> (the figures then include the profiler)')
  .option('--paths <list>', `comma-separated subset of ${pathNames.join(',')}`, (text: string) => {
    try {
      return parsePaths(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  })
  .action(async (flags: { rounds: number; quick?: boolean; paths?: PathName[]; heldConnections?: number; profileAgents?: string }) => {
    const quick = Boolean(flags.quick);
    const durations = { ...(quick ? quickDurations : fullDurations) };
    if (flags.heldConnections !== undefined) durations.heldConnections = flags.heldConnections;
    const options: BenchOptions = {
      rounds: flags.rounds,
      quick,
      paths: flags.paths ?? [...pathNames],
      durations,
      ...(flags.profileAgents ? { profileDir: resolvePath(flags.profileAgents) } : {}),
    };
    const args = process.argv.slice(2);
    const deadline = setTimeout(() => {
      process.stderr.write(`weft bench: not finished after ${runDeadlineMs / 60_000} minutes; stopping\n`);
      process.exit(1);
    }, runDeadlineMs);
    deadline.unref();
    await runBench(options, `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`);
    clearTimeout(deadline);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`weft bench: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
