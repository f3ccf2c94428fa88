/**
 * Inbound capture: the proxy's listening socket inside each meshed pod's
 * network namespace (ztunnel's in-pod mode), to which the sk_lookup program
 * of bpf/inbound-capture.bpf.c hands every new connection to the pod that
 * does not come from the proxy itself: the callers from outside the mesh,
 * in plaintext. They are unauthenticated (no principal, no namespace; their
 * address still counts for ipBlocks), and authorized like any other caller
 * before the pod is dialled from the node IP.
 *
 * Why sk_lookup: it picks the socket at the kernel's own socket lookup, for
 * any destination port, with the accepted socket's local address left as the
 * caller dialled it (so the original destination needs no map), and with no
 * iptables rules to own in every pod. It may only pick a socket of the
 * namespace the packet arrives in, hence one socket per pod, opened there.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../core/log.js';
import type { PeerAuthentication, Workload } from '../../model/types.js';
import { listenInNetns } from '../../native/index.js';
import type { Datapath } from '../datapath/datapath.js';
import { stripMapped } from '../datapath/map-codec.js';
import { syncCapturePolicies } from '../enrol/capture-policies.js';
import { podNetns } from '../enrol/pod-netns.js';
import { InboundHttp } from '../http/inbound-http.js';
import { sniffProtocol } from '../http/sniff-protocol.js';
import { authorize } from '../stack/authorization.js';
import { connectUpstream } from './connect-upstream.js';
import { socketEnd } from './copy-duplex.js';
import { nextConnectionId, type CapturedConnection } from '../stack/connection.js';
import { forward } from '../stack/forward.js';
import type { Handler } from '../stack/stack.js';
import { trackAuthorized } from '../stack/track-authorized.js';
import type { ListenerInputs } from './proxy-inputs.js';
import { listenBacklog } from './proxy-inputs.js';

/** Where the proxy listens inside each pod (Istio's inbound capture port): on the pod's loopback, reached only by redirection. */
export const capturePort = 15006;
/** A pod whose namespace could not be found yet (no process), or whose socket could not be opened, is
 * looked at again after this, doubling up to the longest (a pod that stays out of reach costs a few stats a second at most). */
const pendingRetryMs = 200;
const longestRetryMs = 5_000;

export type CaptureDatapath = Pick<Datapath, 'attachNetns' | 'detachNetns' | 'setInboundSocket' | 'removeInboundSocket' | 'capturePolicies' | 'setCapturePolicy' | 'removeCapturePolicy'>;

export interface CapturedPod {
  owner: string;
  workload: Workload;
  cgroupDir: string;
}

interface PodSocket {
  ip: string;
  inode: bigint;
  server: Server;
  workload: Workload;
}

export class InboundCapture {
  readonly #pods = new Map<string, PodSocket>();
  readonly #http: InboundHttp;
  readonly #log: Logger;
  readonly #forward: Handler<CapturedConnection>;
  #retry: NodeJS.Timeout | undefined;
  #retryMs = pendingRetryMs;
  /** the last failure said per pod, so a retry that fails the same way is not logged again */
  readonly #said = new Map<string, string>();
  #closed = false;
  /** a pod's capture came (or went) outside sync(): the caller re-derives what depends on it (the fail-closed ingress entries) */
  onChange: (() => void) | undefined;

  constructor(
    private readonly inputs: ListenerInputs,
    private readonly datapath: CaptureDatapath,
  ) {
    this.#http = new InboundHttp(inputs);
    this.#log = inputs.inboundLog ?? inputs.log;
    this.#forward = trackAuthorized<CapturedConnection>(inputs)(forward);
  }

  /** The pods to capture for now; sockets of pods that left are closed (the kernel drops their map entries). */
  sync(pods: readonly CapturedPod[], peerAuthentications: readonly PeerAuthentication[], fromRetry = false): void {
    if (this.#closed) return;
    clearTimeout(this.#retry);
    const before = this.#pods.size;
    const wanted = new Set(pods.map((pod) => pod.owner));
    for (const [owner, socket] of this.#pods) {
      if (wanted.has(owner)) continue;
      this.#release(socket);
      this.#pods.delete(owner);
    }
    let pending = 0;
    for (const pod of pods) if (!this.#capture(pod)) pending++;
    syncCapturePolicies(this.datapath, peerAuthentications, [...this.#pods.values()].map((socket) => socket.workload), this.inputs.config.nodeIp);
    if (fromRetry && this.#pods.size !== before) this.onChange?.();
    if (pending === 0) {
      this.#retryMs = pendingRetryMs;
      return;
    }
    this.#retry = setTimeout(() => this.sync(pods, peerAuthentications, true), this.#retryMs);
    this.#retry.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, longestRetryMs);
  }

  /** Why this pod's socket is not in place, as last logged; undefined when it is (or was never tried). */
  failure(owner: string): string | undefined {
    return this.#pods.has(owner) ? undefined : this.#said.get(owner);
  }

  /** Whether the proxy sees this pod's inbound plaintext (its socket is in place). */
  captured(workload: Workload): boolean {
    return [...this.#pods.values()].some((socket) => socket.ip === workload.ip);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    for (const socket of this.#pods.values()) this.#release(socket);
    this.#pods.clear();
    this.#http.close();
  }

  /** True when the pod's socket is in place (now or already). */
  #capture(pod: CapturedPod): boolean {
    const netns = podNetns(pod.cgroupDir);
    const held = this.#pods.get(pod.owner);
    // A pod whose processes are all gone for now keeps its namespace, and the socket in it stays good.
    if (!netns && held?.ip === pod.workload.ip) {
      held.workload = pod.workload;
      return true;
    }
    if (!netns) {
      this.#fail(pod, 'no process of the pod, or none this agent can see (in Kubernetes the agent needs hostPID), to find its network namespace by');
      return false;
    }
    if (held && held.inode === netns.inode && held.ip === pod.workload.ip) {
      held.workload = pod.workload;
      return true;
    }
    if (held) {
      this.#release(held);
      this.#pods.delete(pod.owner);
      this.datapath.detachNetns(pod.owner); // a new sandbox: the old link points at a namespace that is gone
    }
    let socket: PodSocket | undefined;
    try {
      const fd = listenInNetns(netns.path, { ip: '127.0.0.1', port: capturePort }, listenBacklog);
      socket = { ip: pod.workload.ip, inode: netns.inode, workload: pod.workload, server: this.#serverFor(pod.owner) };
      socket.server.listen({ fd }); // the server owns the descriptor from here: closing it closes the socket
      this.datapath.setInboundSocket(socket.ip, fd);
      this.datapath.attachNetns(pod.owner, netns.path);
      this.#pods.set(pod.owner, socket);
      this.#said.delete(pod.owner);
      this.#log.info({ workload: `${pod.workload.namespace}/${pod.workload.name}`, netns: netns.path }, 'inbound capture set');
      return true;
    } catch (error) {
      if (socket) this.#release(socket); // half set up: nothing of it stays
      this.#fail(pod, (error as Error).message, error);
      return false;
    }
  }

  /** Once per pod and reason; a policy that selects such a pod makes it take the proxy's connections only (fail closed). */
  #fail(pod: CapturedPod, reason: string, error?: unknown): void {
    if (this.#said.get(pod.owner) === reason) return;
    this.#said.set(pod.owner, reason);
    this.#log.warn(
      { ...(error ? { err: error } : {}), workload: `${pod.workload.namespace}/${pod.workload.name}`, reason },
      'inbound capture not set (retrying): plaintext callers are refused while an AuthorizationPolicy selects the pod',
    );
  }

  #serverFor(owner: string): Server {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => {
      const pod = this.#pods.get(owner);
      if (!pod) return void client.resetAndDestroy();
      this.#handle(client, pod.workload).catch((error) => {
        this.#log.error({ err: error }, 'captured connection failed unexpectedly');
        client.resetAndDestroy();
      });
    });
    server.on('error', (error) => this.#log.error({ err: error, owner }, 'inbound capture listener error'));
    return server;
  }

  #release(socket: PodSocket): void {
    socket.server.close();
    try {
      this.datapath.removeInboundSocket(socket.ip);
    } catch {
      // gone with the socket already
    }
  }

  /** One plaintext caller: the pod it dialled, authorized, then dialled from the node IP and copied. */
  async #handle(client: Socket, pod: Workload): Promise<void> {
    const startedAt = performance.now();
    const { config, state } = this.inputs;
    const dialled = stripMapped(client.localAddress ?? '');
    const port = client.localPort ?? 0;
    // Only the pod's own address is captured; anything else here (the pod reaching 127.0.0.1:15006) is no caller of ours.
    const workload = state.localWorkload(config.nodeName, dialled);
    if (dialled !== pod.ip || !workload) return void client.resetAndDestroy();
    const source = { ip: stripMapped(client.remoteAddress ?? '') };
    if (state.authorizer.forWorkload(workload).needsHttp && !state.opaquePodPort(dialled, port)) {
      const protocol = await sniffProtocol(client, config.protocolDetectTimeoutMs ?? 1000);
      if (protocol === 'closed') return void client.destroy();
      if (protocol === 'http1' || protocol === 'http2') {
        await this.#http.serve(client, { source, destination: workload, port, path: 'plaintext' }, protocol);
        return;
      }
    }
    const request = { source, destination: { ip: dialled, port } };
    if (!authorize(this.inputs, workload, request, 'plaintext').allowed) return void client.resetAndDestroy();
    let upstream: Socket;
    try {
      upstream = await connectUpstream(workload.ip, port, config.nodeIp, config.connectTimeoutMs);
    } catch {
      return void client.resetAndDestroy(); // what the caller would have seen from the pod: nothing listens there
    }
    const connection: CapturedConnection = {
      direction: 'captured',
      id: nextConnectionId(),
      scope: this.inputs.scope,
      startedAt,
      socket: client,
      peer: { ip: source.ip, port: client.remotePort ?? 0 },
      destination: { workload, port },
      downstream: socketEnd(client),
      upstream: socketEnd(upstream),
      authorization: { request, path: 'plaintext' },
    };
    await this.#forward(connection); // counted in istio_tcp_* (reporter destination, no identity), re-checked on policy changes
  }
}
