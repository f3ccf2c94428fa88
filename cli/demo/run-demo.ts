/**
 * `weft demo`: a local mesh on this machine's kernel built step by step, a
 * request through the redirect shown, then traffic from a load pod and the
 * live `weft top` view until Ctrl-C or the duration runs out. Everything it
 * made is removed on the way out.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { countErrors, formatIssue } from '../../model/issues.js';
import { loadConfigDir } from '../../control-plane/sources/file-source.js';
import type { MeshConfig, Workload } from '../../model/types.js';
import { prefixesPresent } from '../../testbed/teardown.js';
import { renderCheckTable } from '../check/render-table.js';
import { passed, runChecks } from '../check/run-checks.js';
import { defaultConfigDir, installRoot } from '../../core/paths.js';
import type { TestbedMesh } from '../../testbed/mesh.js';
import { DemoMeshBuilder } from './demo-mesh.js';
import { startTopView, type TopView } from './live-view.js';
import { runSetupSteps } from './setup-progress.js';
import { tryItLines, vipUrl } from './try-it.js';
import { DemoPreflightError } from './demo-errors.js';

export interface DemoOptions {
  durationSeconds: number;
  /** time between the load pod's requests */
  intervalMs: number;
  /** set up, show the request and one `weft top` table, tear down */
  once: boolean;
  out: (line: string) => void;
}

/** How often the live view scrapes the agents. */
const topIntervalSeconds = 2;
const showCursor = '\u001b[?25h';

/** A timer that does not keep the process alive once nothing else does. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function curlInPod(mesh: TestbedMesh, pod: string, url: string, headers: string[] = [], extra: string[] = []): Promise<string> {
  const child = mesh.testbed.spawnInPod(pod, ['curl', '-sS', '--max-time', '5', ...headers.flatMap((h) => ['-H', h]), ...extra, url]);
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const output = Buffer.concat(chunks).toString().trim();
  if (code !== 0) throw new Error(`curl ${url} in ${pod} failed (exit ${code}): ${output}`);
  return output;
}

async function loadConfig(): Promise<MeshConfig> {
  const { config, issues } = await loadConfigDir(defaultConfigDir);
  if (countErrors(issues) > 0) throw new Error(`the embedded config is invalid:\n${issues.map(formatIssue).join('\n')}`);
  return config;
}

function startLoad(mesh: TestbedMesh, loadPod: Workload, config: MeshConfig, options: DemoOptions, seconds: number): void {
  const frontend = config.services.find((s) => s.name === 'frontend')!;
  mesh.testbed.spawnInPod(
    loadPod.name,
    [
      process.execPath,
      join(installRoot, 'dist', 'cli', 'demo', 'load-generator.js'),
      '--url', vipUrl(frontend),
      '--interval-ms', String(options.intervalMs),
      '--duration-s', String(Math.max(1, Math.ceil(seconds))),
      '--pod', loadPod.name,
    ],
    { logFile: join(mesh.testbed.runDir, `load-${loadPod.name}.log`) },
  );
}

/** `weft authz check` on the demo's config dir, its first line: what the operator would run to ask why. */
function authzCheckLine(mesh: TestbedMesh, args: string[]): string {
  const run = spawnSync(process.execPath, [join(installRoot, 'bin', 'weft.js'), 'authz', 'check', '--config-dir', mesh.configDir, ...args], { encoding: 'utf8' });
  return (run.stdout.split('\n')[0] ?? run.stderr).trim();
}

async function showFirstRequests(mesh: TestbedMesh, config: MeshConfig, caller: string, loadPod: Workload, out: (line: string) => void): Promise<void> {
  const frontend = config.services.find((s) => s.name === 'frontend')!;
  const reviews = config.services.find((s) => s.name === 'reviews')!;
  const reviewsV1 = config.services.find((s) => s.name === 'reviews-v1')!;
  out(`A request from pod ${caller} to ${vipUrl(reviewsV1)} (reviews-v1: a VIP that exists only in eBPF maps):`);
  out(`  ${await curlInPod(mesh, caller, vipUrl(reviewsV1))}`);
  out('  connect4 rewrote the connect to the node proxy; the proxy found the caller by its cgroup,');
  out('  saw an HTTP port, parsed the request and sent it from the node address (the "peer" the backend saw).');
  out('');
  out(`To ${vipUrl(reviews)} with x-canary: yes (the HTTPRoute sends those to reviews-v2, the rest 90/10 to v1/v2):`);
  out(`  ${await curlInPod(mesh, caller, vipUrl(reviews), ['x-canary: yes'])}`);
  out('  v2 runs on node-2: the request crossed over an mTLS HTTP/2 CONNECT tunnel presenting frontend\'s');
  out('  SPIFFE certificate, and node-2\'s proxy dialled the pod (see "inbound connection complete" in its log).');
  out('');
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  out(`Through the frontend service, ${vipUrl(frontend)}, with a W3C trace context:`);
  out(`  ${await curlInPod(mesh, caller, vipUrl(frontend), [`traceparent: ${traceparent}`, 'baggage: demo=weft'])}`);
  out('  frontend passed traceparent and baggage on to reviews; the mesh carried them unchanged.');
  out('');
  const port = String(reviews.ports[0]!.port);
  out(`From the load pod ${loadPod.name} straight to ${vipUrl(reviews)}: the AuthorizationPolicy reviews-readers lets only frontend read reviews:`);
  out(`  ${await curlInPod(mesh, loadPod.name, vipUrl(reviews), [], ['-w', ' (HTTP %{http_code})'])}`);
  out('  refused by the proxy in front of reviews before the request reached it; the dry run says why:');
  out(`  weft authz check --from ${loadPod.namespace}/${loadPod.name} --service ${reviews.namespace}/${reviews.name} --port ${port}`);
  out(`    ${authzCheckLine(mesh, ['--from', `${loadPod.namespace}/${loadPod.name}`, '--service', `${reviews.namespace}/${reviews.name}`, '--port', port])}`);
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const { out } = options;
  const startedAt = Date.now();
  const config = await loadConfig();
  const caller = config.workloads.find((w) => w.labels['app'] === 'frontend');
  if (!caller || !config.services.some((s) => s.name === 'frontend') || !config.services.some((s) => s.name === 'reviews')) {
    throw new Error('the embedded config needs a frontend and a reviews service');
  }

  let view: TopView | undefined;
  let setUp = false;
  const stop = new AbortController();
  // Runs before the testbed's own signal hook, which removes the run and exits 130/143.
  const onSignal = (signal: NodeJS.Signals) => {
    view?.child.kill('SIGTERM');
    if (process.stdout.isTTY) process.stdout.write(showCursor); // the view may be killed before it restores it
    out('\nstopping: removing the demo mesh (namespaces, cgroups, pins, processes)');
    stop.abort();
    // During set-up nothing waits for `stop`: exit now; the testbed's exit hook removes whatever was made.
    if (!setUp) process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.prependOnceListener('SIGINT', onSignal);
  process.prependOnceListener('SIGTERM', onSignal);

  out('weft demo: building a local mesh on this machine\'s kernel');
  const builder = new DemoMeshBuilder(config, join(defaultConfigDir, 'mesh.yaml'));
  const preflight = runChecks();
  try {
    await runSetupSteps([
      {
        title: 'check this machine (privileges, bpf(), cgroup v2, bpffs, BTF)',
        run: async () => {
          if (!passed(preflight)) throw new DemoPreflightError();
        },
      },
      ...builder.steps(),
    ]);
  } catch (error) {
    if (!passed(preflight)) out(renderCheckTable(preflight));
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await builder.testbed?.destroy();
    throw error;
  }

  const mesh = builder.mesh;
  const { loadPod } = builder;
  setUp = true;
  try {
    out('');
    out(`The mesh is up (run prefix ${mesh.testbed.prefix}).`);
    for (const node of mesh.agents.keys()) out(`  ${node}: ${mesh.testbed.node(node).ip}, proxy on :15001, tunnels on :15008, metrics on :15020`);
    for (const w of [...config.workloads, loadPod]) {
      out(`  pod ${w.namespace}/${w.name} on ${w.node}: ${w.ip} (cgroup ${mesh.testbed.pod(w.name).cgroupPath})`);
    }
    out('');
    await showFirstRequests(mesh, config, caller.name, loadPod, out);
    out('');
    for (const line of tryItLines(mesh, config, caller.name)) out(line);
    out('');

    const load = `${loadPod.name} (on ${loadPod.node}) calls frontend every ${options.intervalMs} ms; frontend calls reviews, split 90/10 to reviews-v1/-v2 per request`;
    if (options.once) {
      startLoad(mesh, loadPod, config, options, 3 * topIntervalSeconds + 5);
      out(`weft top over both agents, ${topIntervalSeconds} s of traffic: ${load}`);
      view = startTopView(mesh, { intervalSeconds: topIntervalSeconds, durationSeconds: 0, once: true });
      const code = await view.exited;
      if (code !== 0 && !stop.signal.aborted) throw new Error(`weft top --once exited with ${code}`);
      return;
    }

    const remainingSeconds = options.durationSeconds - (Date.now() - startedAt) / 1000;
    if (remainingSeconds <= 0) return;
    startLoad(mesh, loadPod, config, options, remainingSeconds);
    out(`Live view (weft top over both agents, every ${topIntervalSeconds} s): ${load}.`);
    out(`It runs for up to ${Math.ceil(remainingSeconds)} s; Ctrl-C removes everything.`);
    out('');
    view = startTopView(mesh, { intervalSeconds: topIntervalSeconds, durationSeconds: remainingSeconds, once: false });
    const aborted = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    const ended = await Promise.race([view.exited, aborted, delay(remainingSeconds * 1000 + 5000)]);
    if (typeof ended === 'number' && ended !== 0 && !stop.signal.aborted) throw new Error(`the live view (weft top) exited with ${ended}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (view && view.child.exitCode === null && view.child.signalCode === null) {
      view.child.kill('SIGTERM');
      await Promise.race([view.exited, delay(2000)]);
    }
    if (!stop.signal.aborted) out(`${view && !options.once ? '\n' : ''}removing the demo mesh (namespaces, cgroups, pins, processes)`);
    await mesh.testbed.destroy();
    if (prefixesPresent().includes(mesh.testbed.prefix)) {
      throw new Error(`teardown left objects of ${mesh.testbed.prefix} behind (see ip netns list, /sys/fs/bpf, the cgroup mount)`);
    }
    out('done: nothing left behind');
  }
}
