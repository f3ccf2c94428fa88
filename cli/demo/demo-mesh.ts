/**
 * Builds the demo's cluster from the embedded default manifests: one
 * testbed node per `spec.node`, one pod per Workload (same IPs) plus a load
 * pod, the manifests re-rendered with the run's own cgroup paths, a
 * sample-app process in each app pod, a control plane and a `weft agent` in
 * each node. Each step is separate so the demo can show its progress.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { MeshConfig, Workload } from '../../model/types.js';
import { Testbed } from '../../testbed/testbed.js';
import { NodeTokenFile } from '../../control-plane/auth/node-tokens.js';
import { installRoot } from '../../core/paths.js';

export interface DemoMesh {
  testbed: Testbed;
  configDir: string;
  controlPlaneSocket: string;
  controlPlaneLog: string;
  /** The control plane's CA and node tokens. */
  stateDir: string;
  agentLogs: Map<string, string>;
  /** the meshed pod the demo's traffic comes from (not in the embedded manifests) */
  loadPod: Workload;
}

export interface SetupStep {
  title: string;
  /** may return a better title for the finished step */
  run: () => Promise<string | void>;
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

const loadPodFile = 'load-generator.yaml';

/** A meshed pod for the traffic, on the last node (so its calls to frontend cross nodes when there are two),
 * at an address of that node's pod range no Workload uses. */
export function loadPodFor(config: MeshConfig): Workload {
  const nodes = nodesOf(config.workloads);
  const node = nodes.at(-1)!;
  const used = new Set(config.workloads.map((w) => w.ip));
  let host = 200;
  while (used.has(`10.244.${nodes.length}.${host}`)) host++;
  const namespace = config.workloads[0]?.namespace ?? 'default';
  return {
    name: 'loadgen-0',
    namespace,
    labels: { app: 'loadgen' },
    node,
    ip: `10.244.${nodes.length}.${host}`,
    serviceAccount: 'loadgen',
    mesh: true,
    source: { file: loadPodFile, document: 0 },
  };
}

function workloadManifest(workload: Workload, cgroup: string): string {
  return stringify({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Workload',
    metadata: { name: workload.name, namespace: workload.namespace, labels: workload.labels },
    spec: { node: workload.node, ip: workload.ip, serviceAccount: workload.serviceAccount, cgroup },
  });
}

export class DemoMeshBuilder {
  readonly #config: MeshConfig;
  readonly #manifestFile: string;
  readonly #nodes: string[];
  readonly #loadPod: Workload;
  #mesh: DemoMesh | undefined;

  constructor(config: MeshConfig, manifestFile: string) {
    this.#config = config;
    this.#manifestFile = manifestFile;
    this.#nodes = nodesOf(config.workloads);
    this.#loadPod = loadPodFor(config);
  }

  /** What the steps made so far: destroy it if a step failed. */
  get testbed(): Testbed | undefined {
    return this.#mesh?.testbed;
  }

  /** The mesh, once every step has run. */
  get mesh(): DemoMesh {
    if (!this.#mesh) throw new Error('the demo mesh is not built yet');
    return this.#mesh;
  }

  steps(): SetupStep[] {
    const appPods = this.#config.workloads.filter((w) => this.#servicePortOf(w));
    return [
      {
        title: `create ${this.#nodes.length} nodes and ${this.#config.workloads.length + 1} pods (network namespaces, veths, cgroups)`,
        run: async () => {
          await this.#createTestbed();
          return `created ${this.#nodes.length} nodes and ${this.#config.workloads.length + 1} pods (run prefix ${this.mesh.testbed.prefix})`;
        },
      },
      { title: `start the sample app in ${appPods.length} pods`, run: () => this.#startApps(appPods) },
      { title: 'start the control plane and mesh CA', run: () => this.#startControlPlane() },
      ...this.#nodes.map((node) => ({ title: `start weft agent on ${node}`, run: () => this.#startAgent(node) })),
      { title: 'wait until every agent knows every node\'s tunnel address', run: () => this.#waitForNodeAddresses() },
    ];
  }

  async #createTestbed(): Promise<void> {
    const workloads = [...this.#config.workloads, this.#loadPod];
    const testbed = await Testbed.create({
      kind: 'd',
      nodes: this.#nodes,
      pods: workloads.map((w) => ({ name: w.name, node: w.node, ip: w.ip })),
    });
    const mesh: DemoMesh = {
      testbed,
      configDir: join(testbed.runDir, 'config'),
      controlPlaneSocket: join(testbed.runDir, 'control-plane.sock'),
      controlPlaneLog: join(testbed.runDir, 'control-plane.log'),
      stateDir: join(testbed.runDir, 'state'),
      agentLogs: new Map(),
      loadPod: this.#loadPod,
    };
    this.#mesh = mesh;
    mkdirSync(mesh.configDir, { recursive: true });
    writeFileSync(join(mesh.configDir, 'mesh.yaml'), renderManifests(this.#manifestFile, (name) => testbed.pod(name).cgroupPath));
    writeFileSync(join(mesh.configDir, loadPodFile), workloadManifest(this.#loadPod, testbed.pod(this.#loadPod.name).cgroupPath));
  }

  #servicePortOf(workload: Workload) {
    return this.#config.services.find((s) => s.name === workload.labels['app'])?.ports[0];
  }

  async #startApps(pods: Workload[]): Promise<string> {
    const { testbed } = this.mesh;
    const reviews = this.#config.services.find((s) => s.name === 'reviews');
    for (const workload of pods) {
      const app = workload.labels['app'];
      const args = [
        process.execPath,
        join(installRoot, 'dist', 'cli', 'demo', 'sample-app.js'),
        '--role', app === 'frontend' ? 'frontend' : 'reviews',
        '--pod', workload.name,
        '--version', workload.labels['version'] ?? 'v1',
        '--port', String(this.#servicePortOf(workload)!.targetPort),
      ];
      if (reviews) args.push('--upstream', `http://${reviews.clusterIP}:${reviews.ports[0]!.port}/`);
      const logFile = join(testbed.runDir, `app-${workload.name}.log`);
      testbed.spawnInPod(workload.name, args, { logFile });
      await testbed.waitForLog(logFile, (line) => line.msg === 'listening', 10_000);
    }
    return `started the sample app: ${pods.map((w) => w.name).join(', ')}`;
  }

  #tokenFile(node: string): string {
    return join(this.mesh.testbed.runDir, `node-token-${node}`);
  }

  async #startControlPlane(): Promise<string> {
    const mesh = this.mesh;
    // One bootstrap token per node, as `weft token create --node N` makes them: agents prove their node.
    const tokens = new NodeTokenFile(mesh.stateDir);
    for (const node of this.#nodes) writeFileSync(this.#tokenFile(node), (await tokens.create(node)).token, { mode: 0o600 });
    mesh.testbed.spawnOnHost(
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
    await mesh.testbed.waitForLog(mesh.controlPlaneLog, (line) => line.msg === 'control plane ready', 15_000);
    return `started the control plane and mesh CA on ${mesh.controlPlaneSocket}, watching ${mesh.configDir}`;
  }

  async #startAgent(node: string): Promise<string> {
    const mesh = this.mesh;
    const logFile = join(mesh.testbed.runDir, `agent-${node}.log`);
    mesh.testbed.spawnInNode(
      node,
      [
        process.execPath,
        join(installRoot, 'bin', 'weft.js'),
        'agent',
        '--node', node,
        '--node-ip', mesh.testbed.node(node).ip,
        '--control-plane', `unix:${mesh.controlPlaneSocket}`,
        '--token-file', this.#tokenFile(node),
        '--bpffs-root', mesh.testbed.pinRoot,
      ],
      { logFile },
    );
    mesh.agentLogs.set(node, logFile);
    await mesh.testbed.waitForLog(logFile, (line) => line.msg === 'agent ready', 15_000);
    return `started weft agent on ${node} (${mesh.testbed.node(node).ip}: proxy :15001, tunnels :15008, metrics :15020)`;
  }

  async #waitForNodeAddresses(): Promise<void> {
    const mesh = this.mesh;
    for (const [node, logFile] of mesh.agentLogs) {
      await mesh.testbed
        .waitForLog(
          logFile,
          (line) => (line.msg === 'config applied' || line.msg === 'agent ready') && Array.isArray(line.nodes) && line.nodes.length === this.#nodes.length,
          15_000,
        )
        .catch((error: Error) => {
          throw new Error(`the agent on ${node} never learned every node's address: ${error.message}`);
        });
    }
  }
}
