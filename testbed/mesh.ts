/**
 * A meshed cluster on the testbed, the one builder the e2e tests, the bench
 * and `weft demo` share: nodes and pods, the config dir with the manifests
 * describing them, a pod worker in every pod (unless told not to), a
 * `weft control-plane` on the host and a `weft agent` in each node.
 * With a control plane, the run is as an operator would set one up: its CA
 * and node tokens live in the run's state dir, and each agent presents its
 * node's token (so node authentication is on, as it is whenever tokens exist).
 *
 *   const mesh = await TestbedMesh.create({ nodes, pods, services });
 *   await mesh.startControlPlane();            // optional: without it agents read the config dir
 *   for (const node of nodes) await mesh.startAgent(node);
 *   await mesh.waitForNodeAddresses();
 *   ...
 *   await mesh.destroy();                      // the testbed's teardown
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { installRoot } from '../core/paths.js';
import { NodeTokenFile } from '../control-plane/auth/node-tokens.js';
import { agentArgs, agentCommandFromEnv, controlPlaneArgs, logFileOf } from './mesh-commands.js';
import { meshManifests, type MeshPod, type MeshService } from './mesh-manifests.js';
import { Testbed, type LogRecord } from './testbed.js';
import type { PodWorker } from './pod-worker-client.js';

export type { MeshPod, MeshService } from './mesh-manifests.js';

export interface MeshSpec {
  /** the run prefix's kind letter (default 't') */
  kind?: string;
  nodes: string[];
  pods: MeshPod[];
  services?: MeshService[];
  /** The config dir's files by name, written once the pods exist; default one
   * `mesh.yaml` made from `pods` and `services` (meshManifests). */
  manifests?: (testbed: Testbed) => Record<string, string>;
  /** false: no pod worker in the pods (default true) */
  workers?: boolean;
  /** how agents are started (default: this checkout's CLI, or WEFT_AGENT_COMMAND) */
  agentCommand?: string[];
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

export class TestbedMesh {
  readonly workers = new Map<string, PodWorker>();
  /** the latest agent started in each node, in start order */
  readonly agents = new Map<string, AgentProcess>();
  controlPlane: ControlPlaneProcess | undefined;
  readonly #agentCommand: string[];
  readonly #starts = new Map<string, number>();

  private constructor(readonly testbed: Testbed, readonly configDir: string, agentCommand: string[]) {
    this.#agentCommand = agentCommand;
  }

  /** Builds the testbed, writes the config dir and starts the pod workers; on a failure removes the testbed, then throws. */
  static async create(spec: MeshSpec): Promise<TestbedMesh> {
    const testbed = await Testbed.create({
      kind: spec.kind,
      nodes: spec.nodes,
      pods: spec.pods.map(({ name, node, ip }) => ({ name, node, ip })),
    });
    try {
      const configDir = join(testbed.runDir, 'config');
      mkdirSync(configDir, { recursive: true });
      const mesh = new TestbedMesh(testbed, configDir, spec.agentCommand ?? agentCommandFromEnv());
      const files = spec.manifests?.(testbed) ?? { 'mesh.yaml': meshManifests(testbed, spec.pods, spec.services ?? []) };
      for (const [file, text] of Object.entries(files)) writeFileSync(join(configDir, file), text);
      if (spec.workers !== false) {
        for (const pod of spec.pods) mesh.workers.set(pod.name, await testbed.startWorker(pod.name));
      }
      return mesh;
    } catch (error) {
      await testbed.destroy();
      throw error;
    }
  }

  /** (Re)writes a manifest file of the config dir from pods and services (a running control plane picks it up). */
  writeManifests(pods: MeshPod[], services: MeshService[], file = 'mesh.yaml'): void {
    writeFileSync(join(this.configDir, file), meshManifests(this.testbed, pods, services));
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
    const logFile = this.#nextLogFile('control-plane');
    const child = this.testbed.spawnOnHost(
      'control-plane',
      controlPlaneArgs({ configDir: this.configDir, socket, stateDir, args: options.args }),
      { logFile },
    );
    this.controlPlane = { child, logFile, socket, stateDir };
    await this.testbed.waitForLog(logFile, (line) => line.msg === 'control plane ready', 15_000);
    return this.controlPlane;
  }

  /** Where agents on a control plane cache their config (config-<node>.json), inside the run dir
   * so every run's files carry its prefix and go with it. */
  get agentStateDir(): string {
    return join(this.testbed.runDir, 'agent-state');
  }

  /** Starts `weft agent` in the node's namespace and waits for 'agent ready' (or the line
   * `waitFor` matches); with a control plane started (running or not), the agent takes its
   * config from it. `args` are added to the command line (e.g. `--access-log off`). */
  async startAgent(node: string, options: { args?: string[]; waitFor?: (line: Record<string, any>) => boolean } = {}): Promise<AgentProcess> {
    const agent = this.launchAgent(node, options);
    this.agents.set(node, agent);
    await this.testbed.waitForLog(agent.logFile, options.waitFor ?? ((line) => line.msg === 'agent ready'), 15_000);
    return agent;
  }

  /** Starts `weft agent` in the node's namespace as startAgent does, without waiting for it to be
   * ready and without making it the node's agent (for a start that is meant to fail). */
  launchAgent(node: string, options: { args?: string[] } = {}): AgentProcess {
    const logFile = this.#nextLogFile(`agent-${node}`);
    const controlPlane = this.controlPlane ? { socket: this.controlPlane.socket, tokenFile: this.tokenFile(node) } : undefined;
    const child = this.testbed.spawnInNode(
      node,
      agentArgs(this.#agentCommand, {
        node,
        nodeIp: this.testbed.node(node).ip,
        source: { configDir: this.configDir, controlPlane },
        pinRoot: this.testbed.pinRoot,
        stateDir: this.agentStateDir,
        args: options.args,
      }),
      { logFile },
    );
    return { node, child, logFile };
  }

  /** SIGTERM to the node's agent (SIGKILL after 10 s); resolves once it has exited. Its pins stay. */
  async stopAgent(node: string): Promise<void> {
    const agent = this.agents.get(node);
    if (agent) await stopChild(agent.child);
  }

  /** SIGTERM to the control plane (SIGKILL after 10 s); agents keep pointing at its socket, and
   * startControlPlane() starts it again on the same state. */
  async stopControlPlane(): Promise<void> {
    if (this.controlPlane) await stopChild(this.controlPlane.child);
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
      ).catch((error: Error) => {
        throw new Error(`the agent on ${node} never learned every node's address: ${error.message}`);
      });
    }
  }

  /** The first agent log line matching, waiting up to `timeoutMs` for it. */
  waitForAgentLog(node: string, predicate: (line: Record<string, any>) => boolean, timeoutMs = 5000): Promise<LogRecord> {
    return this.testbed.waitForLog(this.agents.get(node)!.logFile, predicate, timeoutMs);
  }

  async destroy(): Promise<void> {
    await this.testbed.destroy();
  }

  #nextLogFile(name: string): string {
    const start = (this.#starts.get(name) ?? 0) + 1;
    this.#starts.set(name, start);
    return logFileOf(this.testbed.runDir, name, start);
  }
}

export { installRoot };

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await closed;
  clearTimeout(timer);
}
