/**
 * `weft demo`: a local mesh on this machine's kernel, a request through the
 * redirect shown step by step, then light traffic until Ctrl-C or the
 * duration runs out. Everything it made is removed on the way out.
 */
import { join } from 'node:path';
import { countErrors, formatIssue } from '../../control-plane/model/issues.js';
import { loadConfigDir } from '../../control-plane/sources/file-source.js';
import type { Service } from '../../control-plane/model/types.js';
import { prefixesPresent } from '../../test/testbed/teardown.js';
import { renderCheckTable } from '../check/render-table.js';
import { passed, runChecks } from '../check/run-checks.js';
import { WeftError } from '../errors.js';
import { defaultConfigDir, installRoot } from '../paths.js';
import { buildDemoMesh, type DemoMesh } from './demo-mesh.js';

export interface DemoOptions {
  durationSeconds: number;
  intervalMs: number;
  /** set up, show the request, tear down: no traffic loop */
  once: boolean;
  out: (line: string) => void;
}

function enterPod(mesh: DemoMesh, pod: string): string {
  const handle = mesh.testbed.pod(pod);
  return `nsenter --net=/run/netns/${handle.netns} sh -c 'echo $$ > ${handle.cgroupDir}/cgroup.procs && exec "$0" "$@"'`;
}

async function curlInPod(mesh: DemoMesh, pod: string, url: string): Promise<string> {
  const handle = mesh.testbed.pod(pod);
  const child = mesh.testbed.spawnInPod(pod, ['curl', '-sS', '--max-time', '5', url]);
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const output = Buffer.concat(chunks).toString().trim();
  if (code !== 0) throw new Error(`curl ${url} in ${handle.name} failed (exit ${code}): ${output}`);
  return output;
}

function vipUrl(service: Service): string {
  const port = service.ports[0]!.port;
  return `http://${service.clusterIP}${port === 80 ? '' : `:${port}`}/`;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const { out } = options;
  const preflight = runChecks();
  if (!passed(preflight)) {
    out(renderCheckTable(preflight));
    throw new WeftError('WEFT_ERR_PREFLIGHT', 'this machine is missing what the demo needs (see the table above)');
  }
  const manifestFile = join(defaultConfigDir, 'mesh.yaml');
  const { config, issues } = await loadConfigDir(defaultConfigDir);
  if (countErrors(issues) > 0) throw new Error(`the embedded config is invalid:\n${issues.map(formatIssue).join('\n')}`);
  const frontend = config.services.find((s) => s.name === 'frontend');
  const reviews = config.services.find((s) => s.name === 'reviews');
  const caller = config.workloads.find((w) => w.labels['app'] === 'frontend');
  if (!frontend || !reviews || !caller) throw new Error('the embedded config needs a frontend and a reviews service');

  const stop = new AbortController();
  // Runs before the testbed's own signal hook, which removes the run and exits 130/143.
  const onSignal = () => {
    out('\nstopping: removing the demo mesh (namespaces, cgroups, pins, processes)');
    stop.abort();
  };
  process.prependOnceListener('SIGINT', onSignal);
  process.prependOnceListener('SIGTERM', onSignal);
  out('weft demo: building a local mesh on this machine\'s kernel');
  const mesh = await buildDemoMesh(config, manifestFile, (step) => out(`  - ${step}`));
  try {
    out('');
    out(`The mesh is up (run prefix ${mesh.testbed.prefix}).`);
    out(`  control plane: ${mesh.controlPlaneSocket}, serving ${mesh.configDir} (edit it: changes apply live)`);
    for (const node of mesh.agentLogs.keys()) out(`  ${node}: ${mesh.testbed.node(node).ip}, proxy on :15001, metrics on :15020`);
    for (const w of config.workloads) out(`  pod ${w.namespace}/${w.name} on ${w.node}: ${w.ip} (cgroup ${mesh.testbed.pod(w.name).cgroupPath})`);
    out('');
    out(`A request from pod ${caller.name} to ${vipUrl(reviews)} (a VIP that exists only in eBPF maps):`);
    for (let i = 0; i < 2; i++) out(`  ${await curlInPod(mesh, caller.name, vipUrl(reviews))}`);
    out('  connect4 rewrote the connect to the node proxy; the proxy found the caller by its cgroup,');
    out('  picked a reviews endpoint round robin and connected from the node address (the "peer" the backend saw);');
    out('  v2 runs on node-2: that request crossed over an mTLS HTTP/2 CONNECT tunnel presenting frontend\'s');
    out('  SPIFFE certificate, and node-2\'s proxy dialled the pod (see "inbound connection complete" in its log).');
    out('');
    out(`Through the frontend service, ${vipUrl(frontend)}:`);
    out(`  ${await curlInPod(mesh, caller.name, vipUrl(frontend))}`);
    out('');
    out('Try it by hand (as root, in another terminal):');
    out(`  ${enterPod(mesh, caller.name)} curl -s ${vipUrl(reviews)}`);
    const firstNode = [...mesh.agentLogs.keys()][0]!;
    out(`  nsenter --net=/run/netns/${mesh.testbed.node(firstNode).netns} curl -s http://${mesh.testbed.node(firstNode).ip}:15020/metrics | grep istio_tcp`);
    out(`  bpftool cgroup show ${mesh.testbed.pod(caller.name).cgroupDir}`);
    out(`  nsenter --net=/run/netns/${mesh.testbed.node(firstNode).netns} node ${join(installRoot, 'bin', 'weft.js')} status`);
    out(`  logs: ${[mesh.controlPlaneLog, ...mesh.agentLogs.values()].join(' ')}`);
    if (options.once) return;

    out('');
    out(`Sending one request every ${options.intervalMs} ms for up to ${options.durationSeconds} s; Ctrl-C removes everything.`);
    const deadline = Date.now() + options.durationSeconds * 1000;
    let sent = 0;
    let failed = 0;
    while (!stop.signal.aborted && Date.now() < deadline) {
      try {
        await curlInPod(mesh, caller.name, vipUrl(frontend));
      } catch {
        failed++;
      }
      sent++;
      if (sent % 10 === 0) out(`  ${sent} requests, ${failed} failed`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!stop.signal.aborted) out('removing the demo mesh (namespaces, cgroups, pins, processes)');
    await mesh.testbed.destroy();
    if (prefixesPresent().includes(mesh.testbed.prefix)) {
      throw new Error(`teardown left objects of ${mesh.testbed.prefix} behind (see ip netns list, /sys/fs/bpf, the cgroup mount)`);
    }
    out('done: nothing left behind');
  }
}
