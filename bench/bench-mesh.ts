/**
 * The bench's cluster: two nodes with real agents on a real control plane
 * (so cross-node traffic is HBONE mTLS), and
 *
 *   node-1: client       enrolled; the meshed paths start here
 *           plain        not enrolled (no Workload): direct and HAProxy start here
 *           server-near  enrolled; behind the near-* services (same-node path)
 *           haproxy      in the node's namespace, forwarding to server-plain
 *   node-2: server-far   enrolled; behind the far-* services
 *           server-plain not enrolled: the direct and HAProxy target (a meshed pod's
 *                        plaintext callers are captured into its node's proxy, so a
 *                        baseline must go to a pod outside the mesh)
 *
 * Every server pod runs the same bench server (HTTP and hold ports) and an
 * iperf3 server. Each path is a client pod and three addresses (HTTP, bulk,
 * hold) plus the processes that sit between client and server (its hops).
 *
 * The L7 paths (same-node-l7, cross-node-l7) go to services whose HTTP port
 * declares appProtocol http and has one HTTPRoute (path prefix / to the
 * service itself): the proxy terminates HTTP and routes every request. Their
 * control, haproxy-http, is HAProxy in `mode http` with the same one route.
 * Only their HTTP figures are theirs: bulk and held connections go to the
 * services' TCP ports, as on the L4 paths, and are not measured again.
 *
 * Authorization: the mesh holds 100 AuthorizationPolicies that select no pod
 * of the run, so the L4 paths measure connections to pods no policy selects
 * with policies present; same-node-authz goes to server-guarded on node-1,
 * which one L4 ALLOW policy (the client's principal) selects.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TestbedMesh, type MeshPod, type MeshService } from '../testbed/mesh.js';
import { meshManifests } from '../testbed/mesh-manifests.js';
import type { Testbed } from '../testbed/testbed.js';
import type { PathName } from './bench-options.js';
import { startHaproxy, type Forward } from './haproxy.js';
import { waitForEvent, waitForExit, waitForListening } from './pod-process.js';
import { commandLine } from './proc-stats.js';

export const ports = { http: 8080, hold: 8081, iperf: 5201 } as const;
type Purpose = keyof typeof ports;
const haproxyPorts: Record<Purpose, number> = { http: 18080, hold: 18081, iperf: 18201 };
/** HAProxy in http mode for the HTTP purpose; the other purposes share the tcp-mode ports */
const haproxyHttpPorts: Record<Purpose, number> = { ...haproxyPorts, http: 18090 };
const vipOffsets: Record<Purpose, number> = { http: 0, hold: 1, iperf: 2 };

export interface Hop {
  /** what the table calls it: node-1 proxy, node-2 proxy, haproxy */
  name: string;
  pid: number;
  /** the node whose agent metrics belong to it, for an agent */
  node?: string;
}

export interface Address {
  host: string;
  port: number;
}

export interface PathRoute {
  name: PathName;
  clientPod: string;
  /** whether the client's connects should be redirected into the node proxy */
  meshed: boolean;
  to: Record<Purpose, Address>;
  hops: Hop[];
  /** sockets the busiest hop keeps open per client connection (its file descriptors) */
  socketsPerConnection: number;
  /** an L7 path: only its HTTP figures are its own (held connections are not measured on it) */
  l7?: boolean;
}

const vip = (base: number, purpose: Purpose) => `10.96.0.${base + vipOffsets[purpose]}`;
const profiler = fileURLToPath(new URL('./agent-profiler.js', import.meta.url));
const programs = (name: string) => fileURLToPath(new URL(`./programs/${name}.js`, import.meta.url));

function services(prefix: string, app: string, vipBase: number, l7 = false): MeshService[] {
  return (Object.keys(ports) as Purpose[]).map((purpose) => ({
    name: `${prefix}-${purpose}`,
    clusterIP: vip(vipBase, purpose),
    port: ports[purpose],
    selector: { app },
    ...(l7 && purpose === 'http' ? { appProtocol: 'http' } : {}),
  }));
}

/** The one HTTPRoute of an L7 path's HTTP service: every request (path prefix /) to the service itself. */
function oneRoute(service: string): string {
  return [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: HTTPRoute',
    `metadata: { name: ${service}, namespace: default }`,
    'spec:',
    `  parentRefs: [{ group: "", kind: Service, name: ${service}, port: ${ports.http} }]`,
    '  rules:',
    '    - matches: [{ path: { type: PathPrefix, value: / } }]',
    `      backendRefs: [{ name: ${service}, port: ${ports.http} }]`,
    '',
  ].join('\n');
}

/** One L4 ALLOW on server-guarded (the client's identity), and 100 policies that select no pod of the run. */
function benchPolicies(): string {
  const policy = (name: string, spec: string[]) => ['apiVersion: weft.dev/v1alpha1', 'kind: AuthorizationPolicy', `metadata: { name: ${name}, namespace: default }`, 'spec:', ...spec, ''].join('\n');
  const guarded = policy('guarded', [
    '  selector: { matchLabels: { app: guarded } }',
    '  action: ALLOW',
    '  rules: [{ from: [{ source: { principals: ["cluster.local/ns/default/sa/client"] } }] }]',
  ]);
  const unrelated = Array.from({ length: 100 }, (_, i) =>
    policy(`unrelated-${i}`, [`  selector: { matchLabels: { app: nobody-${i} } }`, `  action: ${i % 2 === 0 ? 'ALLOW' : 'DENY'}`, `  rules: [{ from: [{ source: { namespaces: ["elsewhere-${i}"] } }], to: [{ operation: { methods: [GET], paths: ["/x/${i}/*"] } }] }]`]),
  );
  return [guarded, ...unrelated].join('---\n');
}

export class BenchMesh {
  readonly routes = new Map<PathName, PathRoute>();
  #paths: PathName[] = [];
  #haproxy: ChildProcess | undefined;

  readonly #profileDir: string | undefined;
  readonly #maxConnections: number;

  private constructor(readonly mesh: TestbedMesh, profileDir: string | undefined, maxConnections: number) {
    this.#profileDir = profileDir;
    this.#maxConnections = maxConnections;
  }

  get bed(): Testbed {
    return this.mesh.testbed;
  }

  /**
   * `maxConnections`: HAProxy's maxconn; `profileDir`: the agents run with
   * --cpu-prof and write their profiles there when they stop.
   */
  static async create(options: { paths: PathName[]; maxConnections: number; progress: (line: string) => void; profileDir?: string }): Promise<BenchMesh> {
    const { paths, maxConnections, progress } = options;
    const pods: MeshPod[] = [
      { name: 'client', node: 'node-1', labels: { app: 'client' } },
      { name: 'plain', node: 'node-1', workload: false },
      { name: 'server-near', node: 'node-1', labels: { app: 'near' } },
      { name: 'server-far', node: 'node-2', labels: { app: 'far' } },
      { name: 'server-plain', node: 'node-2', workload: false },
      { name: 'server-guarded', node: 'node-1', labels: { app: 'guarded' } },
    ];
    const meshServices = [...services('near', 'near', 10), ...services('far', 'far', 20), ...services('near-l7', 'near', 30, true), ...services('far-l7', 'far', 40, true), ...services('guarded', 'guarded', 50)];
    const mesh = await TestbedMesh.create({
      nodes: ['node-1', 'node-2'],
      pods,
      manifests: (bed) => ({
        'mesh.yaml': meshManifests(bed, pods, meshServices),
        'routes.yaml': [oneRoute('near-l7-http'), oneRoute('far-l7-http')].join('---\n'),
        'policies.yaml': benchPolicies(),
      }),
    });
    const bench = new BenchMesh(mesh, options.profileDir, maxConnections);
    try {
      await bench.#build(paths, maxConnections, progress);
      return bench;
    } catch (error) {
      await mesh.destroy();
      throw error;
    }
  }

  route(name: PathName): PathRoute {
    const route = this.routes.get(name);
    if (!route) throw new Error(`path ${name} is not in this run`);
    return route;
  }

  agentHop(node: string): Hop {
    const pid = this.mesh.agents.get(node)?.child.pid;
    if (pid === undefined) throw new Error(`no agent on ${node}`);
    return { name: `${node} proxy`, pid, node };
  }

  destroy(): Promise<void> {
    return this.mesh.destroy();
  }

  async #build(paths: PathName[], maxConnections: number, progress: (line: string) => void): Promise<void> {
    const bed = this.bed;
    progress('servers: bench server and iperf3 in server-near, server-far, server-guarded and server-plain');
    for (const pod of ['server-near', 'server-far', 'server-guarded', 'server-plain']) {
      const server = bed.spawnInPod(pod, [process.execPath, programs('bench-server'), '--http-port', String(ports.http), '--hold-port', String(ports.hold)]);
      await waitForEvent(bed, server, 'listening', 10_000);
      const iperf = bed.spawnInPod(pod, ['iperf3', '--server', '--port', String(ports.iperf), '--idle-timeout', '60']);
      await waitForListening(bed, iperf, bed.pod(pod).netns, [`*:${ports.iperf}`], 10_000, `iperf3 server in ${pod}`);
    }

    progress('control plane and agents');
    await this.mesh.startControlPlane();
    await this.#startAgents();

    if (paths.includes('haproxy') || paths.includes('haproxy-http')) {
      progress('haproxy in node-1');
      const forwards: Forward[] = (Object.keys(ports) as Purpose[]).map((p) => ({
        name: `bench-${p}`,
        listenPort: haproxyPorts[p],
        target: { ip: bed.pod('server-plain').ip, port: ports[p] },
      }));
      forwards.push({ name: 'bench-http-l7', listenPort: haproxyHttpPorts.http, target: { ip: bed.pod('server-plain').ip, port: ports.http }, mode: 'http' });
      this.#haproxy = await startHaproxy(bed, 'node-1', forwards, maxConnections);
    }
    this.#paths = paths;
    this.#makeRoutes();
  }

  /**
   * Fresh agents (SIGTERM, then started again on the same pins): the memory
   * figures need a process whose heap no earlier measurement has grown.
   * The routes then name the new processes.
   */
  async restartAgents(): Promise<void> {
    await this.stopAgents();
    await this.#startAgents();
    this.#makeRoutes();
  }

  /** Stops the agents and waits for them to exit (a CPU profile is written on exit). */
  async stopAgents(): Promise<void> {
    for (const node of ['node-1', 'node-2']) {
      const { child } = this.mesh.agents.get(node)!;
      child.kill('SIGTERM');
      await waitForExit(this.bed, child, 30_000, `the agent of ${node}`);
    }
  }

  async #startAgents(): Promise<void> {
    // The agents' environment is this process's at spawn time: a profiler
    // preloaded through it reaches them and no other process of the run.
    const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, WEFT_BENCH_PROFILE_DIR: process.env.WEFT_BENCH_PROFILE_DIR };
    if (this.#profileDir) {
      process.env.NODE_OPTIONS = `${saved.NODE_OPTIONS ?? ''} --import=${pathToFileURL(profiler).href}`.trim();
      process.env.WEFT_BENCH_PROFILE_DIR = this.#profileDir;
    }
    try {
      for (const node of ['node-1', 'node-2']) {
        // One client pod holds every measured connection: its per-pod share (issue 20's flood limit) must not cap the bench.
        const { child } = await this.mesh.startAgent(node, { args: ['--max-connections-per-pod', String(this.#maxConnections)] });
        if (this.#profileDir) child.kill('SIGUSR2'); // ready: its programs are loaded, sampling may start
      }
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    await this.mesh.waitForNodeAddresses();
    for (const node of ['node-1', 'node-2']) {
      const { pid } = this.agentHop(node);
      if (!commandLine(pid).includes(' agent ')) throw new Error(`pid ${pid} is not the agent of ${node}: ${commandLine(pid)}`);
    }
  }

  #makeRoutes(): void {
    const baseline = this.bed.pod('server-plain').ip;
    const at = (host: string, base: Record<Purpose, number> = ports) =>
      Object.fromEntries((Object.keys(ports) as Purpose[]).map((p) => [p, { host, port: base[p] }])) as Record<Purpose, Address>;
    const vips = (vipBase: number) =>
      Object.fromEntries((Object.keys(ports) as Purpose[]).map((p) => [p, { host: vip(vipBase, p), port: ports[p] }])) as Record<Purpose, Address>;
    const all: PathRoute[] = [
      { name: 'direct', clientPod: 'plain', meshed: false, to: at(baseline), hops: [], socketsPerConnection: 0 },
      { name: 'same-node', clientPod: 'client', meshed: true, to: vips(10), hops: [this.agentHop('node-1')], socketsPerConnection: 2 },
      // each proxy keeps one socket per connection; the tunnel's streams share a few TLS sockets
      {
        name: 'cross-node-mtls',
        clientPod: 'client',
        meshed: true,
        to: vips(20),
        hops: [this.agentHop('node-1'), this.agentHop('node-2')],
        socketsPerConnection: 1,
      },
    ];
    if (this.#haproxy) {
      all.push({
        name: 'haproxy',
        clientPod: 'plain',
        meshed: false,
        to: at(this.bed.node('node-1').ip, haproxyPorts),
        hops: [{ name: 'haproxy', pid: this.#haproxy.pid! }],
        socketsPerConnection: 2,
      });
      all.push({
        name: 'haproxy-http',
        clientPod: 'plain',
        meshed: false,
        to: at(this.bed.node('node-1').ip, haproxyHttpPorts),
        hops: [{ name: 'haproxy', pid: this.#haproxy.pid! }],
        socketsPerConnection: 2,
        l7: true,
      });
    }
    all.push(
      { name: 'same-node-l7', clientPod: 'client', meshed: true, to: vips(30), hops: [this.agentHop('node-1')], socketsPerConnection: 2, l7: true },
      { name: 'cross-node-l7', clientPod: 'client', meshed: true, to: vips(40), hops: [this.agentHop('node-1'), this.agentHop('node-2')], socketsPerConnection: 1, l7: true },
      { name: 'same-node-authz', clientPod: 'client', meshed: true, to: vips(50), hops: [this.agentHop('node-1')], socketsPerConnection: 2 },
    );
    this.routes.clear();
    for (const route of all) if (this.#paths.includes(route.name)) this.routes.set(route.name, route);
  }
}
