/**
 * The node's eBPF datapath: the programs of bpf/build loaded against maps
 * pinned under one pin root, and the operations the agent needs on them.
 * Only the enroller and the agent's updater write through this class; the
 * proxy only takes original destinations.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BpfObject, PinnedMap, detachLink, linkInfo, type CgroupLinkInfo } from '../../native/index.js';
import { bpfObjectDir } from '../../core/paths.js';
import {
  Stat,
  decodeCaptureKey,
  decodeCapturePolicy,
  encodeCaptureKey,
  encodeCapturePolicy,
  encodeIpv4Key,
  encodeSocketFd,
  type CaptureKey,
  type CapturePolicy,
  decodeIngressKey,
  decodeIngressPolicy,
  decodeMeshDestinationKey,
  decodeOriginalDestination,
  encodeIngressKey,
  encodeIngressPolicy,
  encodeMeshDestinationKey,
  encodeMeshDestinationValue,
  encodeProxyAddress,
  encodeSocketPair,
  encodeU32Key,
  sumPerCpu,
  type IngressKey,
  type IngressPolicy,
  type MeshDestinationKind,
  type OriginalDestination,
  type SocketPair,
} from './map-codec.js';

/** Each hook: the object file, its program, and the name its link pin gets. */
export const hooks = [
  { object: 'connect4.bpf.o', program: 'weft_connect4', pin: 'connect4' },
  { object: 'sockops.bpf.o', program: 'weft_sockops', pin: 'sockops' },
  { object: 'ingress.bpf.o', program: 'weft_ingress', pin: 'ingress' },
] as const;

export type HookPin = (typeof hooks)[number]['pin'];

/** The sk_lookup hook, attached to a pod's network namespace rather than its cgroup. */
export const netnsHook = { object: 'inbound-capture.bpf.o', program: 'weft_inbound_capture', pin: 'inbound-capture' } as const;

export interface DatapathStats {
  redirected: bigint;
  paired: bigint;
  proxyUnset: bigint;
  strictDropped: bigint;
  captured: bigint;
  captureNoSocket: bigint;
}

export class Datapath {
  readonly #objects = new Map<string, BpfObject>();
  readonly #meshDst: PinnedMap;
  readonly #proxyAddr: PinnedMap;
  readonly #pairOrigDst: PinnedMap;
  readonly #cgroupIngress: PinnedMap;
  readonly #cookieOrigDst: PinnedMap;
  readonly #stats: PinnedMap;
  readonly #inboundCapture: PinnedMap;
  readonly #inboundSockets: PinnedMap;

  /** Loads every hook's object; pinned maps are reused when they exist, so
   * a restarted agent sees the state its predecessor left. */
  constructor(readonly pinRoot: string, objectDir = bpfObjectDir) {
    mkdirSync(join(pinRoot, 'links'), { recursive: true });
    try {
      for (const hook of [...hooks, netnsHook]) this.#objects.set(hook.pin, new BpfObject(join(objectDir, hook.object), pinRoot));
      this.#meshDst = new PinnedMap(join(pinRoot, 'mesh_dst'));
      this.#proxyAddr = new PinnedMap(join(pinRoot, 'proxy_addr'));
      this.#pairOrigDst = new PinnedMap(join(pinRoot, 'pair_orig_dst'));
      this.#cgroupIngress = new PinnedMap(join(pinRoot, 'cgroup_ingress'));
      this.#cookieOrigDst = new PinnedMap(join(pinRoot, 'cookie_orig_dst'));
      this.#stats = new PinnedMap(join(pinRoot, 'stats'));
      this.#inboundCapture = new PinnedMap(join(pinRoot, 'inbound_capture'));
      this.#inboundSockets = new PinnedMap(join(pinRoot, 'inbound_sockets'));
    } catch (error) {
      this.close();
      throw error;
    }
  }

  setProxyAddress(ip: string, port: number): void {
    this.#proxyAddr.update(encodeU32Key(0), encodeProxyAddress(ip, port));
  }

  addMeshDestination(ip: string, port: number, kind: MeshDestinationKind): void {
    this.#meshDst.update(encodeMeshDestinationKey(ip, port), encodeMeshDestinationValue(kind));
  }

  removeMeshDestination(ip: string, port: number): boolean {
    return this.#meshDst.delete(encodeMeshDestinationKey(ip, port));
  }

  meshDestinations(): Array<{ ip: string; port: number }> {
    return [...this.#meshDst.keys()].map(decodeMeshDestinationKey);
  }

  /** Who may open connections to a pod (port 0) or to one of its ports. */
  setIngressPolicy(key: IngressKey, policy: IngressPolicy): void {
    this.#cgroupIngress.update(encodeIngressKey(key), encodeIngressPolicy(policy));
  }

  removeIngressPolicy(key: IngressKey): boolean {
    return this.#cgroupIngress.delete(encodeIngressKey(key));
  }

  ingressPolicies(): Array<IngressKey & IngressPolicy> {
    const entries: Array<IngressKey & IngressPolicy> = [];
    for (const key of this.#cgroupIngress.keys()) {
      const value = this.#cgroupIngress.lookup(key);
      if (value) entries.push({ ...decodeIngressKey(key), ...decodeIngressPolicy(value) });
    }
    return entries;
  }

  /** Whether new connections to a pod's IP (port 0) or to one of its ports are captured into the proxy. */
  setCapturePolicy(key: CaptureKey, policy: CapturePolicy): void {
    this.#inboundCapture.update(encodeCaptureKey(key), encodeCapturePolicy(policy));
  }

  removeCapturePolicy(key: CaptureKey): boolean {
    return this.#inboundCapture.delete(encodeCaptureKey(key));
  }

  capturePolicies(): Array<CaptureKey & CapturePolicy> {
    const entries: Array<CaptureKey & CapturePolicy> = [];
    for (const key of this.#inboundCapture.keys()) {
      const value = this.#inboundCapture.lookup(key);
      if (value) entries.push({ ...decodeCaptureKey(key), ...decodeCapturePolicy(value) });
    }
    return entries;
  }

  /** The proxy's listening socket in a pod's namespace, where captured connections to that pod IP go. */
  setInboundSocket(podIp: string, fd: number): void {
    this.#inboundSockets.update(encodeIpv4Key(podIp), encodeSocketFd(fd));
  }

  removeInboundSocket(podIp: string): boolean {
    return this.#inboundSockets.delete(encodeIpv4Key(podIp));
  }

  /** The record of a redirected connection, removed as it is read: each
   * accepted socket claims its own record exactly once. */
  takeOriginalDestination(pair: SocketPair): OriginalDestination | null {
    const value = this.#pairOrigDst.lookupAndDelete(encodeSocketPair(pair));
    return value ? decodeOriginalDestination(value) : null;
  }

  stats(): DatapathStats {
    const read = (index: number) => {
      const value = this.#stats.lookup(encodeU32Key(index));
      return value ? sumPerCpu(value) : 0n;
    };
    return {
      redirected: read(Stat.redirected),
      paired: read(Stat.paired),
      proxyUnset: read(Stat.proxyUnset),
      strictDropped: read(Stat.strictDropped),
      captured: read(Stat.captured),
      captureNoSocket: read(Stat.captureNoSocket),
    };
  }

  /**
   * Entries and capacity of the hash maps, for weft_bpf_map_entries and
   * weft_bpf_map_capacity. Counted by walking the keys (one syscall each,
   * at most max_entries), so read it per scrape, not per connection.
   */
  mapFill(): Array<{ map: string; entries: number; capacity: number }> {
    const maps: Array<[string, PinnedMap]> = [
      ['mesh_dst', this.#meshDst],
      ['cookie_orig_dst', this.#cookieOrigDst],
      ['pair_orig_dst', this.#pairOrigDst],
      ['cgroup_ingress', this.#cgroupIngress],
      ['inbound_capture', this.#inboundCapture],
    ];
    return maps.map(([map, pinned]) => {
      let entries = 0;
      for (const _ of pinned.keys()) entries++;
      return { map, entries, capacity: pinned.info.maxEntries };
    });
  }

  linkDir(owner: string): string {
    return join(this.pinRoot, 'links', owner);
  }

  /** Attach every hook to a cgroup, or re-point existing pinned links at the
   * programs loaded now (agent restart): the cgroup is never left bare. */
  attach(owner: string, cgroupDir: string): void {
    const dir = this.linkDir(owner);
    mkdirSync(dir, { recursive: true });
    for (const hook of hooks) {
      const pin = join(dir, hook.pin);
      const object = this.#objects.get(hook.pin)!;
      if (existsSync(pin)) object.updateLink(hook.program, pin);
      else object.attachCgroup(hook.program, cgroupDir, pin);
    }
  }

  /** Attach the capture hook to a pod's network namespace, or re-point its pinned link (agent restart). */
  attachNetns(owner: string, netnsPath: string): void {
    const dir = this.linkDir(owner);
    mkdirSync(dir, { recursive: true });
    const pin = join(dir, netnsHook.pin);
    const object = this.#objects.get(netnsHook.pin)!;
    if (existsSync(pin)) object.updateLink(netnsHook.program, pin);
    else object.attachNetns(netnsHook.program, netnsPath, pin);
  }

  /** Detach the capture hook of a pod whose namespace changed (a new sandbox). */
  detachNetns(owner: string): void {
    const pin = join(this.linkDir(owner), netnsHook.pin);
    if (existsSync(pin)) detachLink(pin);
  }

  /** What the pinned links of an owner are attached to, or undefined. */
  attachment(owner: string): CgroupLinkInfo | undefined {
    const pin = join(this.linkDir(owner), hooks[0].pin);
    return existsSync(pin) ? linkInfo(pin) : undefined;
  }

  detach(owner: string): void {
    detachOwner(this.linkDir(owner));
  }

  owners(): string[] {
    return readdirSync(join(this.pinRoot, 'links'));
  }

  close(): void {
    for (const object of this.#objects.values()) object.close();
    this.#objects.clear();
    for (const map of [this.#meshDst, this.#proxyAddr, this.#pairOrigDst, this.#cgroupIngress, this.#cookieOrigDst, this.#stats, this.#inboundCapture, this.#inboundSockets]) map?.close();
  }
}

/** Detach an owner's links and remove its pin directory. bpffs refuses
 * readdir-based recursive removal, so each pin is removed by name. */
function detachOwner(dir: string): void {
  for (const hook of [...hooks, netnsHook]) {
    const pin = join(dir, hook.pin);
    if (existsSync(pin)) detachLink(pin);
  }
  if (existsSync(dir)) rmdirSync(dir);
}

/** Uninstall: detach every link and remove every pin of a node. */
export function removeDatapath(pinRoot: string): void {
  const links = join(pinRoot, 'links');
  if (existsSync(links)) {
    for (const owner of readdirSync(links)) detachOwner(join(links, owner));
    rmdirSync(links);
  }
  if (!existsSync(pinRoot)) return;
  for (const name of readdirSync(pinRoot)) unlinkSync(join(pinRoot, name));
  rmdirSync(pinRoot);
}
