/**
 * One testbed for a conformance file: two nodes, the suite's pods with the
 * echo app in each echo pod, a control plane on the config dir and an agent
 * per node (so node-1 -> node-2 goes through the mTLS tunnel). Routes are
 * applied as upstream applies a test's manifests: the test's YAML files
 * (copied from upstream beside this file) become the config dir's
 * routes.yaml, and applyRoutes returns once the control plane has served
 * the new version and both agents have applied it.
 *
 *   const mesh = await ConformanceMesh.start();
 *   await mesh.applyRoutes('mesh/httproute-matching.yaml');
 *   const answer = await mesh.curl({ host: 'echo', path: '/v2' });
 *   await mesh.destroy();
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installRoot } from '../../../core/paths.js';
import { curlInPod, type CurlRequest, type CurlResponse } from '../../../testbed/echo/curl.js';
import { startEcho, type EchoApp } from '../../../testbed/echo/echo-app.js';
import { grpcEchoInPod, type GrpcEchoPlan, type GrpcEchoReport } from '../../../testbed/echo/grpc-echo.js';
import { TestbedMesh } from '../../../testbed/mesh.js';
import { baseManifests, pods, serviceAddresses } from './conformance-manifests.js';

const manifestDir = join(installRoot, 'test', 'e2e', 'gateway-conformance');
const applyTimeoutMs = 15_000;

export interface MeshRequest {
  /** upstream's Request.Host: the URL's host (a Service name, name:port, or an address); default `echo` */
  host?: string;
  /** with the query; default `/` */
  path?: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  /** HTTP/2 with prior knowledge instead of HTTP/1.1 (one request per curl run) */
  http2?: boolean;
  /** the pod that sends it; default `client` */
  from?: string;
}

export class ConformanceMesh {
  readonly echoes = new Map<string, EchoApp>();
  /** what the control plane warned about when it accepted the last routes applied */
  warnings: string[] = [];
  #routes = '';

  private constructor(readonly mesh: TestbedMesh) {}

  static async start(): Promise<ConformanceMesh> {
    const mesh = await TestbedMesh.create({
      nodes: ['node-1', 'node-2'],
      pods,
      workers: false,
      manifests: (testbed) => ({ 'mesh.yaml': baseManifests(testbed), 'routes.yaml': '' }),
    });
    const conformance = new ConformanceMesh(mesh);
    try {
      for (const pod of pods) {
        if (pod.echo) conformance.echoes.set(pod.name, await startEcho(mesh.testbed, pod.name, { version: pod.echo.version, namespace: pod.namespace, logRequests: true }));
      }
      await mesh.startControlPlane();
      await mesh.startAgent('node-1');
      await mesh.startAgent('node-2');
      await mesh.waitForNodeAddresses();
    } catch (error) {
      await mesh.destroy();
      throw error;
    }
    return conformance;
  }

  echo(pod: string): EchoApp {
    const echo = this.echoes.get(pod);
    if (!echo) throw new Error(`no echo in pod ${pod}`);
    return echo;
  }

  /**
   * Makes the config dir's routes exactly these files (paths relative to
   * this directory; none: no routes) and waits until both agents run the
   * version that holds them. A route the control plane rejects never makes
   * a version: the wait fails with what the control plane said.
   */
  async applyRoutes(...files: string[]): Promise<void> {
    const text = files.map((file) => readFileSync(join(manifestDir, file), 'utf8').trim()).join('\n---\n');
    if (text === this.#routes) return;
    const { testbed, controlPlane } = this.mesh;
    const servedBefore = this.#lastServedVersion();
    const linesBefore = testbed.readLogLines(controlPlane!.logFile).length;
    // Written beside the config dir and renamed in: the watcher never reads half a file.
    const staged = join(testbed.runDir, 'routes.yaml.staged');
    writeFileSync(staged, text);
    renameSync(staged, join(this.mesh.configDir, 'routes.yaml'));
    let served: number;
    try {
      const line = await testbed.waitForLog(controlPlane!.logFile, (l) => l.msg === 'config served' && Number(l.version) > servedBefore, applyTimeoutMs);
      served = Number(line.version);
    } catch {
      const said = testbed
        .readLogLines(controlPlane!.logFile)
        .filter((l) => l.level >= 40)
        .slice(-5)
        .map((l) => JSON.stringify(l));
      throw new Error(`the control plane served no new version for ${files.join(', ') || 'no routes'} within ${applyTimeoutMs} ms; it said: ${said.join('\n') || 'nothing'}`);
    }
    // A version is served when anything changed, also when a route of the file was rejected
    // (the routes of the last test went away): a case would then run on the wrong routes.
    const complaints = testbed.readLogLines(controlPlane!.logFile).slice(linesBefore).filter((l) => l.level >= 40);
    const errors = complaints.filter((l) => l.level >= 50 || /rejected/.test(String(l.msg)));
    if (errors.length > 0) throw new Error(`the control plane did not accept ${files.join(', ')}: ${errors.map((l) => l.msg).join('\n')}`);
    this.warnings = complaints.map((l) => String(l.msg));
    for (const node of this.mesh.agents.keys()) {
      await this.mesh.waitForAgentLog(node, (l) => l.msg === 'config applied' && Number(l.version) >= served, applyTimeoutMs);
    }
    this.#routes = text;
  }

  /** One HTTP request from a pod, as upstream's echo client sends it: `http://<host><path>`, the Service names resolved. */
  async curl(request: MeshRequest): Promise<CurlResponse> {
    const [response] = await this.curlMany([request], { http2: request.http2, from: request.from });
    return response!;
  }

  /** Several requests in one curl run: over one keep-alive connection where curl can keep it. */
  async curlMany(requests: MeshRequest[], options: { http2?: boolean; from?: string } = {}): Promise<CurlResponse[]> {
    const list: CurlRequest[] = requests.map((request) => ({
      url: `http://${request.host ?? 'echo'}${request.path ?? '/'}`,
      ...(request.method ? { method: request.method } : {}),
      ...(request.headers ? { headers: request.headers } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
    }));
    return curlInPod(this.mesh.testbed, options.from ?? 'client', list, { http2: options.http2, resolve: serviceAddresses(), requestTimeoutMs: 10_000 });
  }

  /** gRPC calls on one channel from a pod; `target` a Service name:port, sent as the :authority too. */
  async grpc(plan: Omit<GrpcEchoPlan, 'target'> & { target?: string; from?: string }): Promise<GrpcEchoReport> {
    const { from, target = 'echo:7070', ...rest } = plan;
    const [host, port] = target.split(':');
    const ip = serviceAddresses()[host!] ?? host!;
    return grpcEchoInPod(this.mesh.testbed, from ?? 'client', { authority: target, ...rest, target: `${ip}:${port}` });
  }

  /** The node's 'request complete' lines that match, waiting (bounded) until there are `count` (the agent batches its log writes). */
  async accessLines(node: string, predicate: (line: Record<string, any>) => boolean, count: number, timeoutMs = 3000): Promise<Record<string, any>[]> {
    const deadline = Date.now() + timeoutMs;
    let lines = this.agentLines(node).filter((l) => l.msg === 'request complete' && predicate(l));
    while (lines.length < count && Date.now() < deadline) {
      await sleep(100);
      lines = this.agentLines(node).filter((l) => l.msg === 'request complete' && predicate(l));
    }
    return lines;
  }

  /** Agent log lines of a node so far. */
  agentLines(node: string): Record<string, any>[] {
    return this.mesh.testbed.readLogLines(this.mesh.agents.get(node)!.logFile);
  }

  async destroy(): Promise<void> {
    await this.mesh.destroy();
  }

  #lastServedVersion(): number {
    const served = this.mesh.testbed.readLogLines(this.mesh.controlPlane!.logFile).filter((l) => l.msg === 'config served');
    return Number(served.at(-1)?.version ?? 0);
  }
}
