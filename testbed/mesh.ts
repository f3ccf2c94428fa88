/**
 * A meshed cluster on the testbed: nodes and pods, the manifests describing
 * them, a pod worker in every pod and a real `weft agent` in every node.
 * With a control plane, the run is as an operator would set one up: its CA
 * and node tokens live in the run's state dir, and each agent presents its
 * node's token (so node authentication is on, as it is whenever tokens exist).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { installRoot } from '../core/paths.js';
import { NodeTokenFile } from '../control-plane/auth/node-tokens.js';
import { Testbed, type PodSpec } from './testbed.js';
import type { PodWorker } from './pod-worker-client.js';
import type { ChildProcess } from 'node:child_process';

export interface MeshPod extends PodSpec {
  labels?: Record<string, string>;
  serviceAccount?: string;
  /** false: a pod with no Workload manifest at all (never enrolled) */
  workload?: boolean;
}

export interface MeshService {
  name: string;
  clusterIP: string;
  port: number;
  targetPort?: number;
  selector: Record<string, string>;
}

export interface AgentProcess {
  node: string;
  child: ChildProcess;
  logFile: string;
}

export interface ControlPlaneProcess {
  child: ChildProcess;
  logFile: string;
  socket: string;
  /** --state-dir: the CA and the node tokens */
  stateDir: string;
}

/** How agents are started: this checkout's CLI, or `WEFT_AGENT_COMMAND` (split on spaces)
 * to run them from elsewhere, e.g. a built image's filesystem (scripts/image-check.sh). */
function agentCommand(): string[] {
  const command = process.env.WEFT_AGENT_COMMAND?.split(' ').filter(Boolean);
  return command?.length ? command : [process.execPath, join(installRoot, 'bin', 'weft.js')];
}

export class MeshFixture {
  readonly workers = new Map<string, PodWorker>();
  readonly agents = new Map<string, AgentProcess>();
  controlPlane: ControlPlaneProcess | undefined;
  #agentRuns = 0;
  #controlPlaneRuns = 0;

  private constructor(readonly testbed: Testbed, readonly configDir: string) {}

  static async create(spec: { nodes: string[]; pods: MeshPod[]; services: MeshService[] }): Promise<MeshFixture> {
    const testbed = await Testbed.create({ nodes: spec.nodes, pods: spec.pods.map(({ name, node, ip }) => ({ name, node, ip })) });
    try {
      const configDir = join(testbed.runDir, 'config');
      mkdirSync(configDir, { recursive: true });
      const fixture = new MeshFixture(testbed, configDir);
      fixture.writeManifests(spec.pods, spec.services);
      for (const pod of spec.pods) fixture.workers.set(pod.name, await testbed.startWorker(pod.name));
      return fixture;
    } catch (error) {
      await testbed.destroy();
      throw error;
    }
  }

  writeManifests(pods: MeshPod[], services: MeshService[], file = 'mesh.yaml'): void {
    const documents: unknown[] = services.map((service) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service.name, namespace: 'default' },
      spec: {
        clusterIP: service.clusterIP,
        selector: service.selector,
        ports: [{ name: 'tcp', port: service.port, targetPort: service.targetPort ?? service.port }],
      },
    }));
    for (const pod of pods.filter((p) => p.workload !== false)) {
      const handle = this.testbed.pod(pod.name);
      documents.push({
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'Workload',
        metadata: { name: pod.name, namespace: 'default', labels: pod.labels ?? {} },
        spec: {
          node: pod.node,
          ip: handle.ip,
          serviceAccount: pod.serviceAccount ?? pod.name,
          cgroup: handle.cgroupPath,
        },
      });
    }
    writeFileSync(join(this.configDir, file), documents.map((d) => stringify(d)).join('---\n'));
  }

  worker(pod: string): PodWorker {
    const worker = this.workers.get(pod);
    if (!worker) throw new Error(`no worker in pod ${pod}`);
    return worker;
  }

  /** The file holding a node's bootstrap token (made with the control plane's state dir). */
  tokenFile(node: string): string {
    return join(this.testbed.runDir, `node-token-${node}`);
  }

  /**
   * Starts `weft control-plane` on the config dir, serving a Unix socket in
   * the run dir, its state (CA, node tokens) in the run dir too; the first
   * start makes a token per node, as `weft token create` does. `args` are
   * added to the command line (e.g. `--cert-ttl 2m`).
   */
  async startControlPlane(options: { args?: string[] } = {}): Promise<ControlPlaneProcess> {
    const socket = join(this.testbed.runDir, 'control-plane.sock');
    const stateDir = join(this.testbed.runDir, 'state');
    const tokens = new NodeTokenFile(stateDir);
    if ((await tokens.list()).length === 0) {
      for (const node of this.testbed.nodes) writeFileSync(this.tokenFile(node.name), (await tokens.create(node.name)).token, { mode: 0o600 });
    }
    const logFile = join(this.testbed.runDir, `control-plane-${++this.#controlPlaneRuns}.log`);
    const child = this.testbed.spawnOnHost(
      'control-plane',
      [
        process.execPath,
        join(installRoot, 'bin', 'weft.js'),
        'control-plane',
        '--config-dir', this.configDir,
        '--listen', `unix:${socket}`,
        '--state-dir', stateDir,
        ...(options.args ?? []),
      ],
      { logFile },
    );
    this.controlPlane = { child, logFile, socket, stateDir };
    await this.testbed.waitForLog(logFile, (line) => line.msg === 'control plane ready', 15_000);
    return this.controlPlane;
  }

  /** Starts `weft agent` in the node's namespace and waits for 'agent ready'; with
   * a control plane running, the agent takes its config from it. */
  async startAgent(node: string): Promise<AgentProcess> {
    const logFile = join(this.testbed.runDir, `agent-${node}-${++this.#agentRuns}.log`);
    const child = this.testbed.spawnInNode(
      node,
      [
        ...agentCommand(),
        'agent',
        '--node', node,
        '--node-ip', this.testbed.node(node).ip,
        ...(this.controlPlane
          ? ['--control-plane', `unix:${this.controlPlane.socket}`, '--token-file', this.tokenFile(node)]
          : ['--config-dir', this.configDir]),
        '--bpffs-root', this.testbed.pinRoot,
      ],
      { logFile },
    );
    const agent = { node, child, logFile };
    this.agents.set(node, agent);
    await this.testbed.waitForLog(logFile, (line) => line.msg === 'agent ready', 15_000);
    return agent;
  }

  /** With a control plane: waits until every running agent knows every node's
   * address (a tunnel to a node it has not heard of yet cannot be opened). */
  async waitForNodeAddresses(timeoutMs = 10_000): Promise<void> {
    const count = this.agents.size;
    for (const node of this.agents.keys()) {
      await this.waitForAgentLog(
        node,
        (line) => (line.msg === 'config applied' || line.msg === 'agent ready') && Array.isArray(line.nodes) && line.nodes.length === count,
        timeoutMs,
      );
    }
  }

  /** The first agent log line matching, waiting up to `timeoutMs` for it. */
  waitForAgentLog(node: string, predicate: (line: Record<string, any>) => boolean, timeoutMs = 5000) {
    return this.testbed.waitForLog(this.agents.get(node)!.logFile, predicate, timeoutMs);
  }

  async destroy(): Promise<void> {
    await this.testbed.destroy();
  }
}

export { installRoot };
