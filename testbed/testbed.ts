/**
 * A cluster on one machine out of real kernel objects, for the end-to-end
 * tests and `weft demo`:
 *
 *   fabric netns <prefix>-fabric: bridge br0
 *     └─ veth n<i> ── eth0 of node netns <prefix>-<node>   10.10.0.<i>/24, ip_forward
 *          └─ veth p<k> (proxy_arp) ── eth0 of pod netns <prefix>-<pod>   <ip>/32, default dev eth0
 *   cgroup v2 <mount>/<prefix>/<node>/<pod> per pod, <mount>/<prefix>/agents/* for node processes
 *   bpffs /sys/fs/bpf/<prefix>, files /tmp/<prefix>
 *
 * Nothing links to the machine's own interfaces and nothing is added to the
 * root namespace. Everything carries the run prefix and goes on destroy(),
 * on process exit and on SIGINT/SIGTERM; sweepStale() clears runs whose
 * owner died without a chance to clean up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBpffs } from '../agent/system/bpffs.js';
import { cgroupMount, makeCgroup } from './cgroup.js';
import { inNetns, run, sleep } from './exec.js';
import { registerLiveRun, unregisterLiveRun } from './exit-hooks.js';
import { fabricBridge, fabricCidrBits, inCidr, planLayout, type Layout, type NodeLayout, type PodLayout, type TestbedSpec } from './layout.js';
import { LogCapture, readLogFile, type LogPredicate, type LogRecord } from './log-capture.js';
import { addNetns } from './netns.js';
import { writeOwner } from './owner.js';
import { PodWorker } from './pod-worker-client.js';
import { runPaths } from './run-paths.js';
import { newRunPrefix } from './run-prefix.js';
import { sweepPrefix, sweepStale } from './teardown.js';

export type { PodSpec, TestbedSpec, NodeLayout as TestbedNode, PodLayout as TestbedPod } from './layout.js';
export type { LogRecord, LogPredicate } from './log-capture.js';
export { PodWorker } from './pod-worker-client.js';
export { sweepPrefix, sweepStale } from './teardown.js';

export interface SpawnOptions {
  /** added to this process's environment */
  env?: Record<string, string>;
  /** where stdout and stderr go (default: a file in the run dir) */
  logFile?: string;
  /** 'pipe' to write to the process; default 'ignore' */
  stdin?: 'pipe' | 'ignore';
}

const workerScript = fileURLToPath(new URL('./pod-worker.js', import.meta.url));
/** How long processes get to end on SIGTERM before the cgroup is killed. */
const graceMs = 1500;
const workerStartMs = 10_000;
/** Writes the shell's own pid into the cgroup, then becomes the program: the
 * program starts inside the cgroup and keeps the pid the caller knows. */
const enterCgroupAndExec = 'echo $$ > "$0/cgroup.procs" && exec "$@"';

export class Testbed {
  readonly runDir: string;
  readonly pinRoot: string;
  readonly cgroupRoot: string;
  readonly keepLogs = process.env.WEFT_KEEP_LOGS === '1';
  readonly #layout: Layout;
  readonly #nodes: Map<string, NodeLayout>;
  readonly #pods: Map<string, PodLayout>;
  readonly #children = new Set<ChildProcess>();
  readonly #captures = new Map<string, LogCapture>();
  readonly #captureOf = new WeakMap<ChildProcess, LogCapture>();
  #spawned = 0;
  #destroying: Promise<void> | undefined;

  private constructor(readonly prefix: string, layout: Layout, cgroupRoot: string) {
    const paths = runPaths(prefix);
    this.runDir = paths.runDir;
    this.pinRoot = paths.pinRoot;
    this.cgroupRoot = cgroupRoot;
    this.#layout = layout;
    this.#nodes = new Map(layout.nodes.map((n) => [n.name, n]));
    this.#pods = new Map(layout.pods.map((p) => [p.name, p]));
  }

  /** Builds the whole layout; on any failure removes what it made, then throws. */
  static async create(spec: TestbedSpec): Promise<Testbed> {
    if (process.getuid?.() !== 0) throw new Error('the testbed creates namespaces and cgroups: run it as root');
    const stale = sweepStale();
    for (const failure of stale.failures) process.stderr.write(`weft testbed: sweeping an old run: ${failure.message}\n`);

    const mount = cgroupMount();
    const keepLogs = process.env.WEFT_KEEP_LOGS === '1';
    let prefix = '';
    // The owner record is created exclusively: a prefix already taken is tried again.
    for (let attempt = 0; ; attempt++) {
      prefix = newRunPrefix(spec.kind ?? 't');
      try {
        planLayout(spec, prefix, mount); // a bad spec fails before anything exists
        writeOwner({ prefix, keepLogs, runDir: runPaths(prefix).runDir });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 4) throw error;
      }
    }
    const testbed = new Testbed(prefix, planLayout(spec, prefix, mount), join(mount, prefix));
    registerLiveRun(prefix, () => testbed.#teardownSync());
    try {
      await testbed.#build();
    } catch (error) {
      const cleanup = await testbed.destroy().then(
        () => '',
        (teardownError: Error) => `; teardown failed too: ${teardownError.message}`,
      );
      throw new Error(`testbed ${prefix} could not be built: ${(error as Error).message}${cleanup}`, { cause: error });
    }
    return testbed;
  }

  get nodes(): NodeLayout[] {
    return this.#layout.nodes;
  }

  get pods(): PodLayout[] {
    return this.#layout.pods;
  }

  get fabricNetns(): string {
    return this.#layout.fabricNetns;
  }

  node(name: string): NodeLayout {
    const node = this.#nodes.get(name);
    if (!node) throw new Error(`testbed ${this.prefix} has no node ${name}`);
    return node;
  }

  pod(name: string): PodLayout {
    const pod = this.#pods.get(name);
    if (!pod) throw new Error(`testbed ${this.prefix} has no pod ${name}`);
    return pod;
  }

  /** Runs argv in the node's namespace, outside every pod cgroup (in one of
   * <cgroupRoot>/agents, so teardown finds it). */
  spawnInNode(node: string, argv: string[], options: SpawnOptions = {}): ChildProcess {
    const { name, netns } = this.node(node);
    const cgroupDir = join(this.cgroupRoot, 'agents', `${name}-${this.#spawned + 1}`);
    return this.#spawn(name, netns, cgroupDir, argv, options);
  }

  /** Runs argv in the machine's own network namespace, for a process the
   * nodes reach only through a Unix socket in the run dir (the control plane);
   * in <cgroupRoot>/host, so teardown finds it. */
  spawnOnHost(name: string, argv: string[], options: SpawnOptions = {}): ChildProcess {
    const cgroupDir = join(this.cgroupRoot, 'host', `${name}-${this.#spawned + 1}`);
    return this.#spawn(name, undefined, cgroupDir, argv, options);
  }

  /** Runs argv in the pod's namespace and the pod's cgroup. */
  spawnInPod(pod: string, argv: string[], options: SpawnOptions = {}): ChildProcess {
    const { name, netns, cgroupDir } = this.pod(pod);
    return this.#spawn(name, netns, cgroupDir, argv, options);
  }

  /** Starts a pod worker in the pod and waits until it reports, from inside
   * the pod's cgroup, that it is ready. */
  async startWorker(pod: string): Promise<PodWorker> {
    const { cgroupPath } = this.pod(pod);
    const child = this.spawnInPod(pod, [process.execPath, workerScript, '--pod', pod, '--run', this.prefix], {
      stdin: 'pipe',
      logFile: join(this.runDir, `worker-${pod}-${this.#spawned + 1}.log`),
    });
    const worker = new PodWorker(pod, child);
    try {
      const ready = await worker.waitForEvent((event) => event.event === 'ready', workerStartMs, 0);
      if (ready.cgroup !== cgroupPath) throw new Error(`it runs in cgroup ${ready.cgroup}, not ${cgroupPath}`);
      return worker;
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`the pod worker in ${pod} did not start: ${(error as Error).message}\n${this.#captureOf.get(child)?.tail() ?? ''}`);
    }
  }

  /** Runs a command to completion, in a namespace if given (`nsenter --net`);
   * a failure names the command and its stderr. */
  run(argv: string[], options: { netns?: string; timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
    return run(argv, options);
  }

  /** Waits for a JSON log line of a spawned process (by child or log file). */
  async waitForLog(target: ChildProcess | string, predicate: LogPredicate, timeoutMs: number): Promise<LogRecord> {
    const capture = this.capture(target);
    if (capture) return capture.waitFor(predicate, timeoutMs);
    // a file some other process writes: poll it, bounded by the deadline
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = readLogFile(target as string).find(predicate);
      if (found) return found;
      if (Date.now() >= deadline) throw new Error(`no matching log line in ${target} within ${timeoutMs} ms`);
      await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
    }
  }

  /** The JSON log lines of a spawned process so far (by child or log file). */
  readLogLines(target: ChildProcess | string): LogRecord[] {
    const capture = this.capture(target);
    return capture ? capture.records() : readLogFile(target as string);
  }

  /** Every line (JSON or not) a spawned process printed, and its exit. */
  capture(target: ChildProcess | string): LogCapture | undefined {
    return typeof target === 'string' ? this.#captures.get(resolvePath(target)) : this.#captureOf.get(target);
  }

  /** Idempotent. Processes get SIGTERM and a short grace, then the run's
   * cgroups are killed and removed, pins and namespaces deleted, files removed. */
  destroy(): Promise<void> {
    this.#destroying ??= this.#destroy();
    return this.#destroying;
  }

  async #destroy(): Promise<void> {
    const running = [...this.#children].filter(isRunning);
    for (const child of running) child.kill('SIGTERM');
    await closed(running, graceMs);
    sweepPrefix(this.prefix, { keepRunDir: true, pids: this.#runningPids() });
    unregisterLiveRun(this.prefix);
    await closed([...this.#children], 2000);
    await Promise.all([...this.#captures.values()].map((capture) => capture.close()));
    if (!this.keepLogs) rmSync(this.runDir, { recursive: true, force: true, maxRetries: 3 });
  }

  /** From 'exit' and signal handlers, where nothing can be awaited. */
  #teardownSync(): void {
    sweepPrefix(this.prefix, { keepRunDir: this.keepLogs, pids: this.#runningPids() });
  }

  #runningPids(): number[] {
    return [...this.#children].filter(isRunning).map((child) => child.pid!);
  }

  #spawn(where: string, netns: string | undefined, cgroupDir: string, argv: string[], options: SpawnOptions): ChildProcess {
    if (this.#destroying) throw new Error(`testbed ${this.prefix} is destroyed`);
    if (argv.length === 0) throw new Error('nothing to spawn: argv is empty');
    const seq = ++this.#spawned;
    makeCgroup(cgroupDir);
    const inCgroup = ['sh', '-c', enterCgroupAndExec, cgroupDir, ...argv];
    const full = netns ? inNetns(netns, inCgroup) : inCgroup;
    const child = spawn(full[0]!, full.slice(1), {
      // the prefix in the environment too: every process of a run can be told by it
      env: { ...process.env, ...options.env, WEFT_TESTBED_RUN: this.prefix },
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    this.#children.add(child);
    child.once('close', () => this.#children.delete(child));
    child.on('error', () => {}); // recorded by the capture; a failed spawn must not crash the test process

    const logFile = resolvePath(options.logFile ?? join(this.runDir, `${where}-${seq}.log`));
    const capture = new LogCapture(logFile, `${where}: ${argv.join(' ')}`);
    capture.attach(child);
    this.#captures.set(logFile, capture);
    this.#captureOf.set(child, capture);
    return child;
  }

  async #build(): Promise<void> {
    const { fabricNetns, nodes, pods } = this.#layout;
    mkdirSync(this.runDir, { recursive: true });
    ensureBpffs();
    mkdirSync(this.pinRoot, { recursive: true });
    makeCgroup(this.cgroupRoot);
    const ip = (netns: string, ...args: string[]): Promise<unknown> => run(['ip', '-n', netns, ...args]);
    const sysctl = (netns: string, setting: string): Promise<unknown> => run(['sysctl', '-q', '-w', setting], { netns });

    await addNetns(fabricNetns);
    await ip(fabricNetns, 'link', 'add', fabricBridge, 'type', 'bridge');
    await ip(fabricNetns, 'link', 'set', fabricBridge, 'up');

    for (const node of nodes) {
      await addNetns(node.netns);
      // before the pod veths exist: they inherit forwarding, which proxy ARP needs
      await sysctl(node.netns, 'net.ipv4.ip_forward=1');
      // Created inside the fabric namespace, the peer moved straight to the
      // node: no interface ever exists in the root namespace.
      await ip(fabricNetns, 'link', 'add', node.vethOnFabric, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns);
      await ip(fabricNetns, 'link', 'set', node.vethOnFabric, 'master', fabricBridge, 'up');
      await ip(node.netns, 'addr', 'add', `${node.ip}/${fabricCidrBits}`, 'dev', 'eth0');
      await ip(node.netns, 'link', 'set', 'eth0', 'up');
    }

    for (const pod of pods) {
      const node = this.node(pod.node);
      await addNetns(pod.netns);
      await ip(node.netns, 'link', 'add', pod.vethOnNode, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.netns);
      await ip(pod.netns, 'addr', 'add', `${pod.ip}/32`, 'dev', 'eth0');
      await ip(pod.netns, 'link', 'set', 'eth0', 'up');
      // Everything is on-link for the pod; the node answers ARP for it all.
      await ip(pod.netns, 'route', 'add', 'default', 'dev', 'eth0');
      await sysctl(node.netns, `net.ipv4.conf.${pod.vethOnNode}.proxy_arp=1`);
      await ip(node.netns, 'link', 'set', pod.vethOnNode, 'up');
      // src: the node's own connections to its pods come from the node IP
      await ip(node.netns, 'route', 'add', `${pod.ip}/32`, 'dev', pod.vethOnNode, 'src', node.ip);
      makeCgroup(pod.cgroupDir);
    }

    for (const node of nodes) {
      for (const other of nodes.filter((n) => n !== node)) {
        await ip(node.netns, 'route', 'add', other.podCidr, 'via', other.ip);
        // a pod given an address outside its node's CIDR still gets reached
        for (const pod of pods.filter((p) => p.node === other.name && !inCidr(p.ip, other.podCidr))) {
          await ip(node.netns, 'route', 'add', `${pod.ip}/32`, 'via', other.ip);
        }
      }
    }
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Resolves when every child has closed, or after `timeoutMs`. */
function closed(children: ChildProcess[], timeoutMs: number): Promise<void> {
  const pending = children.filter(isRunning);
  if (pending.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = pending.length;
    const timer = setTimeout(resolve, timeoutMs);
    for (const child of pending) {
      child.once('close', () => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}
