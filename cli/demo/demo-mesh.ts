/**
 * The demo's cluster, built on the testbed's mesh builder (testbed/mesh.ts)
 * from the embedded default manifests: one testbed node per `spec.node`, one
 * pod per Workload (same IPs) plus a load pod, the manifests re-rendered with
 * the run's own cgroup paths, a sample-app process in each app pod, a control
 * plane and a `weft agent` in each node. Each step is separate so the demo can
 * show its progress.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { MeshConfig, Workload } from '../../model/types.js';
import { TestbedMesh } from '../../testbed/mesh.js';
import { weftCli } from '../../testbed/mesh-commands.js';
import { workloadDocument, yamlStream } from '../../testbed/mesh-manifests.js';
import type { Testbed } from '../../testbed/testbed.js';
import { installRoot } from '../../core/paths.js';

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

export class DemoMeshBuilder {
  readonly #config: MeshConfig;
  readonly #manifestFile: string;
  readonly #nodes: string[];
  /** the meshed pod the demo's traffic comes from (not in the embedded manifests) */
  readonly loadPod: Workload;
  #mesh: TestbedMesh | undefined;

  constructor(config: MeshConfig, manifestFile: string) {
    this.#config = config;
    this.#manifestFile = manifestFile;
    this.#nodes = nodesOf(config.workloads);
    this.loadPod = loadPodFor(config);
  }

  /** What the steps made so far: destroy it if a step failed. */
  get testbed(): Testbed | undefined {
    return this.#mesh?.testbed;
  }

  /** The mesh, once every step has run. */
  get mesh(): TestbedMesh {
    if (!this.#mesh) throw new Error('the demo mesh is not built yet');
    return this.#mesh;
  }

  steps(): SetupStep[] {
    const appPods = this.#config.workloads.filter((w) => this.#servicePortOf(w));
    return [
      {
        title: `create ${this.#nodes.length} nodes and ${this.#config.workloads.length + 1} pods (network namespaces, veths, cgroups)`,
        run: async () => {
          await this.#createMesh();
          return `created ${this.#nodes.length} nodes and ${this.#config.workloads.length + 1} pods (run prefix ${this.mesh.testbed.prefix})`;
        },
      },
      { title: `start the sample app in ${appPods.length} pods`, run: () => this.#startApps(appPods) },
      { title: 'start the control plane and mesh CA', run: () => this.#startControlPlane() },
      ...this.#nodes.map((node) => ({ title: `start weft agent on ${node}`, run: () => this.#startAgent(node) })),
      { title: 'wait until every agent knows every node\'s tunnel address', run: () => this.mesh.waitForNodeAddresses(15_000) },
    ];
  }

  /** The testbed, with the embedded manifests (cgroups moved under the run) and the load pod's Workload in its config dir. */
  async #createMesh(): Promise<void> {
    const loadPod = this.loadPod;
    this.#mesh = await TestbedMesh.create({
      kind: 'd',
      nodes: this.#nodes,
      pods: [...this.#config.workloads, loadPod].map((w) => ({ name: w.name, node: w.node, ip: w.ip })),
      workers: false,
      agentCommand: [process.execPath, weftCli],
      manifests: (testbed) => ({
        'mesh.yaml': renderManifests(this.#manifestFile, (name) => testbed.pod(name).cgroupPath),
        [loadPodFile]: yamlStream([workloadDocument({ ...loadPod, cgroup: testbed.pod(loadPod.name).cgroupPath })]),
      }),
    });
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

  async #startControlPlane(): Promise<string> {
    // It makes one bootstrap token per node, as `weft token create --node N` does: agents prove their node.
    const { socket } = await this.mesh.startControlPlane();
    return `started the control plane and mesh CA on ${socket}, watching ${this.mesh.configDir}`;
  }

  async #startAgent(node: string): Promise<string> {
    await this.mesh.startAgent(node);
    return `started weft agent on ${node} (${this.mesh.testbed.node(node).ip}: proxy :15001, tunnels :15008, metrics :15020)`;
  }
}
