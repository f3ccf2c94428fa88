/**
 * The one typed facade over the native addon. Nothing else in Weft loads the
 * binding; every native failure surfaces here as a BpfError with a stable
 * code, the errno and a message naming the object.
 */
import { createRequire } from 'node:module';
import { BpfError, NativeAddonMissingError } from './bpf-error.js';
import { nativeAddonPath } from '../core/paths.js';

interface NativeBpfObject {
  programs(): string[];
  maps(): string[];
  mapFd(name: string): number;
  attachCgroup(program: string, cgroupPath: string, linkPinPath: string): void;
  attachNetns(program: string, netnsPath: string, linkPinPath: string): void;
  updateLink(program: string, linkPinPath: string): void;
  close(): void;
}

interface NativeBinding {
  BpfObject: new (objectPath: string, pinRoot: string) => NativeBpfObject;
  detachLink(linkPinPath: string): void;
  linkInfo(linkPinPath: string): RawLinkInfo;
  openPinnedMap(pinPath: string): number;
  mapInfo(fd: number): MapInfo;
  mapLookup(fd: number, key: Buffer, valueLength: number): Buffer | null;
  mapLookupAndDelete(fd: number, key: Buffer, valueLength: number): Buffer | null;
  mapUpdate(fd: number, key: Buffer, value: Buffer, flags: number): void;
  mapDelete(fd: number, key: Buffer): boolean;
  mapNextKey(fd: number, key: Buffer | null, keyLength: number): Buffer | null;
  closeFd(fd: number): void;
  possibleCpus(): number;
  openFileLimit(): OpenFileLimit;
  setOpenFileLimit(soft: number, hard: number): void;
  probeProgram(sectionName: string): number;
  probeMap(mapType: number): number;
  listenInNetns(netnsPath: string, ip: string, port: number, backlog: number): number;
}

interface RawLinkInfo {
  id: number;
  progId: number;
  type: number;
  cgroupId?: bigint;
  attachType?: number;
}

export interface MapInfo {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  id: number;
}

export interface CgroupLinkInfo {
  id: number;
  progId: number;
  cgroupId: bigint | undefined;
}

/** bpf_map_update_elem flags. */
export const UpdateFlags = { any: 0, noExist: 1, exist: 2 } as const;

/** Map types as the kernel numbers them (enum bpf_map_type). */
export const MapType = { hash: 1, array: 2, percpuArray: 6, lruHash: 9, sockhash: 18, sockmap: 15 } as const;

let binding: NativeBinding | undefined;

function native(): NativeBinding {
  if (!binding) {
    const require = createRequire(import.meta.url);
    try {
      binding = require(nativeAddonPath) as NativeBinding;
    } catch (error) {
      throw new NativeAddonMissingError(nativeAddonPath, error);
    }
  }
  return binding;
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof BpfError) throw error;
    throw new BpfError(error as { code?: string; message: string; errno?: number; errnoName?: string });
  }
}

/** A loaded eBPF object whose pinned-by-name maps live under `pinRoot`. */
export class BpfObject {
  readonly #object: NativeBpfObject;

  constructor(readonly path: string, readonly pinRoot: string) {
    this.#object = call(() => new (native().BpfObject)(path, pinRoot));
  }

  programs(): string[] {
    return call(() => this.#object.programs());
  }

  maps(): string[] {
    return call(() => this.#object.maps());
  }

  /** Attach through a bpf_link pinned at `linkPinPath`, so it outlives us. */
  attachCgroup(program: string, cgroupPath: string, linkPinPath: string): void {
    call(() => this.#object.attachCgroup(program, cgroupPath, linkPinPath));
  }

  /** Point an existing pinned link at this object's program, atomically. */
  /** An sk_lookup program on a network namespace, its link pinned at `linkPinPath`. */
  attachNetns(program: string, netnsPath: string, linkPinPath: string): void {
    call(() => this.#object.attachNetns(program, netnsPath, linkPinPath));
  }

  updateLink(program: string, linkPinPath: string): void {
    call(() => this.#object.updateLink(program, linkPinPath));
  }

  close(): void {
    this.#object.close();
  }
}

/** A map reached through its bpffs pin; holds one fd until closed. */
export class PinnedMap {
  readonly fd: number;
  readonly info: MapInfo;
  readonly #valueLength: number;

  constructor(readonly pinPath: string) {
    this.fd = call(() => native().openPinnedMap(pinPath));
    this.info = call(() => native().mapInfo(this.fd));
    // Per-CPU maps return one 8-byte-aligned slot per possible CPU.
    this.#valueLength = this.isPerCpu
      ? Math.ceil(this.info.valueSize / 8) * 8 * possibleCpus()
      : this.info.valueSize;
  }

  get isPerCpu(): boolean {
    return this.info.type === MapType.percpuArray;
  }

  lookup(key: Buffer): Buffer | null {
    return call(() => native().mapLookup(this.fd, key, this.#valueLength));
  }

  lookupAndDelete(key: Buffer): Buffer | null {
    return call(() => native().mapLookupAndDelete(this.fd, key, this.#valueLength));
  }

  update(key: Buffer, value: Buffer, flags: number = UpdateFlags.any): void {
    call(() => native().mapUpdate(this.fd, key, value, flags));
  }

  delete(key: Buffer): boolean {
    return call(() => native().mapDelete(this.fd, key));
  }

  *keys(limit = this.info.maxEntries): Generator<Buffer> {
    let key: Buffer | null = null;
    for (let i = 0; i < limit; i++) {
      const previous: Buffer | null = key;
      key = call(() => native().mapNextKey(this.fd, previous, this.info.keySize));
      if (!key) return;
      yield key;
    }
  }

  close(): void {
    native().closeFd(this.fd);
  }
}

export function detachLink(linkPinPath: string): void {
  call(() => native().detachLink(linkPinPath));
}

export function linkInfo(linkPinPath: string): CgroupLinkInfo {
  const raw = call(() => native().linkInfo(linkPinPath));
  return { id: raw.id, progId: raw.progId, cgroupId: raw.cgroupId };
}

export function possibleCpus(): number {
  return call(() => native().possibleCpus());
}

/** 1: the kernel loads this program type; 0: it does not; < 0: -errno (e.g. no privilege). */
export function probeProgram(sectionName: string): number {
  return call(() => native().probeProgram(sectionName));
}

export function probeMap(mapType: number): number {
  return call(() => native().probeMap(mapType));
}

/** RLIMIT_NOFILE; -1 stands for unlimited (RLIM_INFINITY). */
export interface OpenFileLimit {
  soft: number;
  hard: number;
}

export function openFileLimit(): OpenFileLimit {
  return call(() => native().openFileLimit());
}

/** Raising `hard` needs CAP_SYS_RESOURCE: without it, a BpfError with errnoName EPERM. */
export function setOpenFileLimit(limit: OpenFileLimit): void {
  call(() => native().setOpenFileLimit(limit.soft, limit.hard));
}

export function addonAvailable(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}

/**
 * A listening TCP socket opened inside another network namespace (a pod's),
 * bound to ip:port there; the descriptor is the caller's to listen on
 * (`net.Server.listen({ fd })`) and to close.
 */
export function listenInNetns(netnsPath: string, address: { ip: string; port: number }, backlog: number): number {
  return call(() => native().listenInNetns(netnsPath, address.ip, address.port, backlog));
}
