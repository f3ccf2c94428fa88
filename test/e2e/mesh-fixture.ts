/**
 * A meshed cluster on the testbed: nodes and pods, the manifests describing
 * them, a pod worker in every pod and a real `weft agent` in every node.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { installRoot } from '../../agent/paths.js';
import { Testbed, type PodSpec } from '../testbed/testbed.js';
import type { PodWorker } from '../testbed/pod-worker-client.js';
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

  /** Starts `weft control-plane` on the config dir, serving a Unix socket in the run dir. */
  async startControlPlane(): Promise<ControlPlaneProcess> {
    const socket = join(this.testbed.runDir, 'control-plane.sock');
    const logFile = join(this.testbed.runDir, `control-plane-${++this.#controlPlaneRuns}.log`);
    const child = this.testbed.spawnOnHost(
      'control-plane',
      [process.execPath, join(installRoot, 'bin', 'weft.js'), 'control-plane', '--config-dir', this.configDir, '--listen', `unix:${socket}`],
      { logFile },
    );
    this.controlPlane = { child, logFile, socket };
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
        process.execPath,
        join(installRoot, 'bin', 'weft.js'),
        'agent',
        '--node', node,
        '--node-ip', this.testbed.node(node).ip,
        ...(this.controlPlane ? ['--control-plane', `unix:${this.controlPlane.socket}`] : ['--config-dir', this.configDir]),
        '--bpffs-root', this.testbed.pinRoot,
      ],
      { logFile },
    );
    const agent = { node, child, logFile };
    this.agents.set(node, agent);
    await this.testbed.waitForLog(logFile, (line) => line.msg === 'agent ready', 15_000);
    return agent;
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
