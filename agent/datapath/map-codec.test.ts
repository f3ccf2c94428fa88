import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IngressMode,
  decodeIngressKey,
  decodeIngressPolicy,
  decodeMeshDestinationKey,
  decodeOriginalDestination,
  encodeIngressKey,
  encodeIngressPolicy,
  encodeMeshDestinationKey,
  encodeProxyAddress,
  encodeSocketPair,
  sumPerCpu,
} from './map-codec.js';

test('mesh destination key: address and port in network order, as connect4 reads them', () => {
  const key = encodeMeshDestinationKey('10.96.0.20', 9080);
  assert.deepEqual([...key], [10, 96, 0, 20, 0x23, 0x78, 0, 0]);
  assert.deepEqual(decodeMeshDestinationKey(key), { ip: '10.96.0.20', port: 9080 });
});

test('socket pair key accepts IPv4-mapped addresses as Node reports them', () => {
  const key = encodeSocketPair({ srcIp: '::ffff:10.244.1.12', srcPort: 40000, dstIp: '10.10.0.1', dstPort: 15001 });
  assert.deepEqual([...key], [10, 244, 1, 12, 10, 10, 0, 1, 0x9c, 0x40, 0x3a, 0x99]);
});

test('proxy address encodes port 15001 big-endian', () => {
  assert.deepEqual([...encodeProxyAddress('10.10.0.1', 15001)], [10, 10, 0, 1, 0x3a, 0x99, 0, 0]);
});

test('original destination decodes the cgroup id as a host-order u64', () => {
  const value = Buffer.alloc(16);
  value.set([10, 96, 0, 20], 0);
  value.writeUInt16BE(9080, 4);
  value.writeBigUInt64LE(123456789012345n, 8);
  assert.deepEqual(decodeOriginalDestination(value), { ip: '10.96.0.20', port: 9080, cgroupId: 123456789012345n });
});

test('ingress key: host-order cgroup id, network-order port, zero padding', () => {
  const key = encodeIngressKey({ cgroupId: 0x0102030405060708n, port: 8080 });
  assert.equal(key.length, 16);
  assert.deepEqual([...key], [8, 7, 6, 5, 4, 3, 2, 1, 0x1f, 0x90, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(decodeIngressKey(key), { cgroupId: 0x0102030405060708n, port: 8080 });
});

test('ingress policy: host-order mode, then the proxy address in network order', () => {
  const value = encodeIngressPolicy({ mode: IngressMode.strict, proxyIp: '10.10.0.1' });
  assert.deepEqual([...value], [1, 0, 0, 0, 10, 10, 0, 1]);
  assert.deepEqual(decodeIngressPolicy(value), { mode: IngressMode.strict, proxyIp: '10.10.0.1' });
});

test('per-CPU counters are summed across CPUs', () => {
  const value = Buffer.alloc(24);
  value.writeBigUInt64LE(3n, 0);
  value.writeBigUInt64LE(4n, 8);
  value.writeBigUInt64LE(5n, 16);
  assert.equal(sumPerCpu(value), 12n);
});

test('a malformed address is refused with the address in the message', () => {
  assert.throws(() => encodeMeshDestinationKey('10.96.0.300', 80), /not an IPv4 address: 10.96.0.300/);
  assert.throws(() => encodeMeshDestinationKey('fd00::1', 80), /not an IPv4 address/);
});
