/**
 * Byte layouts of the structs in bpf/include/types.h. Addresses and ports are
 * network byte order (as the programs read them from the socket); flags and
 * counters are host order.
 */
import { endianness } from 'node:os';

const littleEndian = endianness() === 'LE';

export interface OriginalDestination {
  ip: string;
  port: number;
  cgroupId: bigint;
}

export interface SocketPair {
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
}

export const MeshDestinationKind = { service: 1, workload: 2 } as const;
export type MeshDestinationKind = (typeof MeshDestinationKind)[keyof typeof MeshDestinationKind];

/** Indexes of the per-CPU `stats` array (enum weft_stat). */
export const Stat = { redirected: 0, paired: 1, proxyUnset: 2, strictDropped: 3, captured: 4, captureNoSocket: 5 } as const;

/** INGRESS_MODE_*: what the ingress program does with a new connection to a pod. */
export const IngressMode = { permissive: 0, strict: 1, disable: 2 } as const;
export type IngressMode = (typeof IngressMode)[keyof typeof IngressMode];

/** struct ingress_key: a pod's cgroup and a listening port, 0 for the pod-wide entry. */
export interface IngressKey {
  cgroupId: bigint;
  port: number;
}

/** struct ingress_policy */
export interface IngressPolicy {
  mode: IngressMode;
  proxyIp: string;
}

/** '10.1.2.3' or '::ffff:10.1.2.3' -> 4 bytes at `offset`. */
export function writeIpv4(buffer: Buffer, offset: number, ip: string): void {
  const octets = stripMapped(ip).split('.');
  if (octets.length !== 4) throw new TypeError(`not an IPv4 address: ${ip}`);
  octets.forEach((octet, i) => {
    const value = Number(octet);
    if (!Number.isInteger(value) || value < 0 || value > 255) throw new TypeError(`not an IPv4 address: ${ip}`);
    buffer[offset + i] = value;
  });
}

export function readIpv4(buffer: Buffer, offset: number): string {
  return `${buffer[offset]}.${buffer[offset + 1]}.${buffer[offset + 2]}.${buffer[offset + 3]}`;
}

export function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function writeHostU32(buffer: Buffer, offset: number, value: number): void {
  if (littleEndian) buffer.writeUInt32LE(value, offset);
  else buffer.writeUInt32BE(value, offset);
}

function readHostU32(buffer: Buffer, offset: number): number {
  return littleEndian ? buffer.readUInt32LE(offset) : buffer.readUInt32BE(offset);
}

function writeHostU64(buffer: Buffer, offset: number, value: bigint): void {
  if (littleEndian) buffer.writeBigUInt64LE(value, offset);
  else buffer.writeBigUInt64BE(value, offset);
}

function readHostU64(buffer: Buffer, offset: number): bigint {
  return littleEndian ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset);
}

/** struct mesh_dst_key; port 0 means every port of that IP. */
export function encodeMeshDestinationKey(ip: string, port: number): Buffer {
  const key = Buffer.alloc(8);
  writeIpv4(key, 0, ip);
  key.writeUInt16BE(port, 4);
  return key;
}

export function decodeMeshDestinationKey(key: Buffer): { ip: string; port: number } {
  return { ip: readIpv4(key, 0), port: key.readUInt16BE(4) };
}

/** struct mesh_dst_value */
export function encodeMeshDestinationValue(kind: MeshDestinationKind): Buffer {
  const value = Buffer.alloc(4);
  writeHostU32(value, 0, kind);
  return value;
}

/** struct proxy_addr */
export function encodeProxyAddress(ip: string, port: number): Buffer {
  const value = Buffer.alloc(8);
  writeIpv4(value, 0, ip);
  value.writeUInt16BE(port, 4);
  return value;
}

/** struct sock_pair, as the proxy sees the accepted socket. */
export function encodeSocketPair(pair: SocketPair): Buffer {
  const key = Buffer.alloc(12);
  writeIpv4(key, 0, pair.srcIp);
  writeIpv4(key, 4, pair.dstIp);
  key.writeUInt16BE(pair.srcPort, 8);
  key.writeUInt16BE(pair.dstPort, 10);
  return key;
}

/** struct orig_dst */
export function decodeOriginalDestination(value: Buffer): OriginalDestination {
  return { ip: readIpv4(value, 0), port: value.readUInt16BE(4), cgroupId: readHostU64(value, 8) };
}

/** struct ingress_key: the cgroup id is host order (the kernel's u64), the port network order. */
export function encodeIngressKey(key: IngressKey): Buffer {
  const buffer = Buffer.alloc(16);
  writeHostU64(buffer, 0, key.cgroupId);
  buffer.writeUInt16BE(key.port, 8);
  return buffer;
}

export function decodeIngressKey(buffer: Buffer): IngressKey {
  return { cgroupId: readHostU64(buffer, 0), port: buffer.readUInt16BE(8) };
}

/** struct ingress_policy */
export function encodeIngressPolicy(policy: IngressPolicy): Buffer {
  const buffer = Buffer.alloc(8);
  writeHostU32(buffer, 0, policy.mode);
  writeIpv4(buffer, 4, policy.proxyIp);
  return buffer;
}

export function decodeIngressPolicy(buffer: Buffer): IngressPolicy {
  return { mode: readHostU32(buffer, 0) as IngressMode, proxyIp: readIpv4(buffer, 4) };
}

/** struct capture_key: a pod IP and its listening port (0: every port), both network order. */
export interface CaptureKey {
  ip: string;
  port: number;
}

/** struct capture_policy */
export interface CapturePolicy {
  capture: boolean;
  proxyIp: string;
}

export function encodeCaptureKey(key: CaptureKey): Buffer {
  return encodeMeshDestinationKey(key.ip, key.port);
}

export function decodeCaptureKey(buffer: Buffer): CaptureKey {
  return decodeMeshDestinationKey(buffer);
}

export function encodeCapturePolicy(policy: CapturePolicy): Buffer {
  const buffer = Buffer.alloc(8);
  writeHostU32(buffer, 0, policy.capture ? 1 : 0);
  writeIpv4(buffer, 4, policy.proxyIp);
  return buffer;
}

export function decodeCapturePolicy(buffer: Buffer): CapturePolicy {
  return { capture: readHostU32(buffer, 0) === 1, proxyIp: readIpv4(buffer, 4) };
}

/** The key of inbound_sockets: a pod IP, network order. */
export function encodeIpv4Key(ip: string): Buffer {
  const key = Buffer.alloc(4);
  writeIpv4(key, 0, ip);
  return key;
}

/** A descriptor as a sockmap/sockhash value (u64). */
export function encodeSocketFd(fd: number): Buffer {
  const value = Buffer.alloc(8);
  writeHostU64(value, 0, BigInt(fd));
  return value;
}

export function encodeU32Key(index: number): Buffer {
  const key = Buffer.alloc(4);
  writeHostU32(key, 0, index);
  return key;
}

/** Sum of one per-CPU u64 slot across CPUs. */
export function sumPerCpu(value: Buffer): bigint {
  let total = 0n;
  for (let offset = 0; offset + 8 <= value.length; offset += 8) total += readHostU64(value, offset);
  return total;
}
