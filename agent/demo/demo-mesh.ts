/**
 * Builds the demo's cluster from the embedded default manifests: one
 * testbed node per `spec.node`, one pod per Workload (same IPs), the
 * manifests re-rendered with the run's own cgroup paths, a sample-app
 * process in each pod and a `weft agent` in each node.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { MeshConfig, Workload } from '../../control-plane/model/types.js';
import { Testbed } from '../../test/testbed/testbed.js';
import { NodeTokenFile } from '../../control-plane/ca/node-tokens.js';
import { installRoot } from '../paths.js';

export interface DemoMesh {
  testbed: Testbed;
  configDir: string;
  controlPlaneSocket: string;
  controlPlaneLog: string;
  /** The control plane's CA and node tokens. */
  stateDir: string;
  agentLogs: Map<string, string>;
}

/** The manifests with each Workload's cgroup moved under this run's prefix. */
export function renderManifests(sourceFile: string, cgroupOf: (workload: string) => string): string {
  return parseAllDocuments(readFileSync(sourceFile, 'utf8'))
    .map((document) => {
      if (document.get('kind') === 'Workload') {
        const name = String(document.getIn(['metadata', 'name']));
        document.setIn(['spec', 'cgroup'], cgroupOf(name));
      }
      return document.toString();
    })
    .join('---\n');
}

export function nodesOf(workloads: Workload[]): string[] {
  return [...new Set(workloads.map((w) => w.node))].sort();
}

export async function buildDemoMesh(
  config: MeshConfig,
  manifestFile: string,
  progress: (step: string) => void,
): Promise<DemoMesh> {
  const nodes = nodesOf(config.workloads);
  progress(`creating ${nodes.length} nodes and ${config.workloads.length} pods (network namespaces, veths, cgroups)`);
  const testbed = await Testbed.create({
    kind: 'd',
    nodes,
    pods: config.workloads.map((w) => ({ name: w.name, node: w.node, ip: w.ip })),
  });
  const mesh: DemoMesh = {
    testbed,
    configDir: join(testbed.runDir, 'config'),
    controlPlaneSocket: join(testbed.runDir, 'control-plane.sock'),
    controlPlaneLog: join(testbed.runDir, 'control-plane.log'),
    stateDir: join(testbed.runDir, 'state'),
    agentLogs: new Map(),
  };
  mkdirSync(mesh.configDir, { recursive: true });
  writeFileSync(join(mesh.configDir, 'mesh.yaml'), renderManifests(manifestFile, (name) => testbed.pod(name).cgroupPath));

  progress('starting the sample app in every pod');
  const reviewsPort = (name: string) => config.services.find((s) => s.name === name)?.ports[0];
  for (const workload of config.workloads) {
    const app = workload.labels['app'];
    const servicePort = reviewsPort(app ?? '');
    if (!servicePort) continue;
    const reviews = config.services.find((s) => s.name === 'reviews');
    const args = [
      process.execPath,
      join(installRoot, 'dist', 'agent', 'demo', 'sample-app.js'),
      '--role', app === 'frontend' ? 'frontend' : 'reviews',
      '--pod', workload.name,
      '--version', workload.labels['version'] ?? 'v1',
      '--port', String(servicePort.targetPort),
    ];
    if (reviews) args.push('--upstream', `http://${reviews.clusterIP}:${reviews.ports[0]!.port}/`);
    const logFile = join(testbed.runDir, `app-${workload.name}.log`);
    testbed.spawnInPod(workload.name, args, { logFile });
    await testbed.waitForLog(logFile, (line) => line.msg === 'listening', 10_000);
  }

  // One bootstrap token per node, as `weft token create --node N` makes them: agents prove their node.
  const tokenFile = (node: string) => join(testbed.runDir, `node-token-${node}`);
  const tokens = new NodeTokenFile(mesh.stateDir);
  for (const node of nodes) writeFileSync(tokenFile(node), (await tokens.create(node)).token, { mode: 0o600 });

  progress(`starting the control plane (and mesh CA) on ${mesh.controlPlaneSocket} (watching ${mesh.configDir})`);
  testbed.spawnOnHost(
    'control-plane',
    [
      process.execPath,
      join(installRoot, 'bin', 'weft.js'),
      'control-plane',
      '--config-dir', mesh.configDir,
      '--listen', `unix:${mesh.controlPlaneSocket}`,
      '--state-dir', mesh.stateDir,
    ],
    { logFile: mesh.controlPlaneLog },
  );
  await testbed.waitForLog(mesh.controlPlaneLog, (line) => line.msg === 'control plane ready', 15_000);

  for (const node of nodes) {
    progress(`starting weft agent on ${node} (${testbed.node(node).ip})`);
    const logFile = join(testbed.runDir, `agent-${node}.log`);
    testbed.spawnInNode(
      node,
      [
        process.execPath,
        join(installRoot, 'bin', 'weft.js'),
        'agent',
        '--node', node,
        '--node-ip', testbed.node(node).ip,
        '--control-plane', `unix:${mesh.controlPlaneSocket}`,
        '--token-file', tokenFile(node),
        '--bpffs-root', testbed.pinRoot,
      ],
      { logFile },
    );
    mesh.agentLogs.set(node, logFile);
    await testbed.waitForLog(logFile, (line) => line.msg === 'agent ready', 15_000);
  }
  progress('waiting until every agent knows where every node takes tunnels');
  for (const [node, logFile] of mesh.agentLogs) {
    await testbed.waitForLog(
      logFile,
      (line) => (line.msg === 'config applied' || line.msg === 'agent ready') && Array.isArray(line.nodes) && line.nodes.length === nodes.length,
      15_000,
    ).catch((error: Error) => {
      throw new Error(`the agent on ${node} never learned every node's address: ${error.message}`);
    });
  }
  return mesh;
}
