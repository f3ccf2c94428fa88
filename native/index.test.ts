/**
 * The native facade against the real kernel: objects load with pinned maps,
 * links attach to a real cgroup, survive as pins, are re-pointed in place and
 * detached; every failure is a BpfError with a code, errno and the object's name.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BpfError } from './bpf-error.js';
import { bpfObjectDir } from '../core/paths.js';
import { cgroup2MountPoint } from '../agent/system/mounts.js';
import { encodeMeshDestinationKey, encodeMeshDestinationValue, MeshDestinationKind } from '../agent/datapath/map-codec.js';
import { newRunPrefix } from '../testbed/run-prefix.js';
import { BpfObject, PinnedMap, detachLink, linkInfo } from './index.js';

const prefix = newRunPrefix('n');
const pinRoot = join('/sys/fs/bpf', prefix);
const cgroupDir = join(cgroup2MountPoint()!, prefix);
const connect4 = join(bpfObjectDir, 'connect4.bpf.o');
const sockops = join(bpfObjectDir, 'sockops.bpf.o');

function attachedNames(): string[] {
  const out = execFileSync('bpftool', ['-j', 'cgroup', 'show', cgroupDir], { encoding: 'utf8' });
  return (JSON.parse(out.trim() || '[]') as Array<{ name: string }>).map((p) => p.name).sort();
}

function expectBpfError(fn: () => unknown, code: string, errnoName: string, mentions: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof BpfError, `not a BpfError: ${error}`);
    assert.equal(error.code, code);
    assert.equal(error.errnoName, errnoName);
    assert.ok(error.errno > 0);
    assert.ok(error.message.includes(mentions), `'${error.message}' does not name ${mentions}`);
    return true;
  });
}

describe('native facade on real kernel objects', () => {
  const objects: BpfObject[] = [];

  before(() => {
    mkdirSync(pinRoot);
    mkdirSync(cgroupDir);
  });

  after(() => {
    for (const object of objects) object.close();
    const link = join(pinRoot, 'link');
    if (existsSync(link)) detachLink(link);
    if (existsSync(pinRoot)) {
      for (const name of readdirSync(pinRoot)) unlinkSync(join(pinRoot, name));
      rmdirSync(pinRoot);
    }
    if (existsSync(cgroupDir)) rmdirSync(cgroupDir);
  });

  test('two objects share the maps pinned by name under one pin root', () => {
    const first = new BpfObject(connect4, pinRoot);
    const second = new BpfObject(sockops, pinRoot);
    objects.push(first, second);
    assert.deepEqual(first.programs(), ['weft_connect4']);
    assert.deepEqual(readdirSync(pinRoot).sort(), ['cgroup_ingress', 'cookie_orig_dst', 'inbound_capture', 'inbound_sockets', 'mesh_dst', 'pair_orig_dst', 'proxy_addr', 'stats']);
    const a = new PinnedMap(join(pinRoot, 'mesh_dst'));
    a.update(encodeMeshDestinationKey('10.96.0.1', 80), encodeMeshDestinationValue(MeshDestinationKind.service));
    const b = new PinnedMap(join(pinRoot, 'mesh_dst'));
    assert.equal(b.info.id, a.info.id);
    assert.deepEqual([...b.keys()].map((k) => k.toString('hex')), ['0a60000100500000']);
    assert.ok(b.lookup(encodeMeshDestinationKey('10.96.0.1', 80)));
    assert.equal(b.lookup(encodeMeshDestinationKey('10.96.0.2', 80)), null);
    assert.equal(b.delete(encodeMeshDestinationKey('10.96.0.1', 80)), true);
    assert.equal(b.delete(encodeMeshDestinationKey('10.96.0.1', 80)), false);
    a.close();
    b.close();
  });

  test('attach through a pinned link, re-point it in place, detach it', () => {
    const link = join(pinRoot, 'link');
    const [first] = objects;
    first!.attachCgroup('weft_connect4', cgroupDir, link);
    const attached = linkInfo(link);
    assert.equal(attached.cgroupId, statSync(cgroupDir, { bigint: true }).ino);
    assert.deepEqual(attachedNames(), ['weft_connect4']);

    const reloaded = new BpfObject(connect4, pinRoot);
    objects.push(reloaded);
    reloaded.updateLink('weft_connect4', link);
    const updated = linkInfo(link);
    assert.equal(updated.id, attached.id, 'same link');
    assert.notEqual(updated.progId, attached.progId, 'new program behind it');

    detachLink(link);
    assert.equal(existsSync(link), false);
    assert.deepEqual(attachedNames(), []);
  });

  test('failures carry a stable code, the errno and the object they concern', () => {
    expectBpfError(() => new BpfObject('/nonexistent/x.bpf.o', pinRoot), 'WEFT_ERR_BPF_OPEN', 'ENOENT', '/nonexistent/x.bpf.o');
    expectBpfError(
      () => objects[0]!.attachCgroup('weft_connect4', join(cgroupDir, 'missing'), join(pinRoot, 'never')),
      'WEFT_ERR_CGROUP_OPEN', 'ENOENT', join(cgroupDir, 'missing'),
    );
    expectBpfError(() => objects[0]!.attachCgroup('no_such_program', cgroupDir, join(pinRoot, 'never')), 'WEFT_ERR_BPF_NO_PROGRAM', 'ENOENT', 'no_such_program');
    expectBpfError(() => linkInfo(join(pinRoot, 'absent')), 'WEFT_ERR_BPF_LINK_OPEN', 'ENOENT', join(pinRoot, 'absent'));
    expectBpfError(() => new PinnedMap(join(pinRoot, 'absent')), 'WEFT_ERR_BPF_MAP_OPEN', 'ENOENT', join(pinRoot, 'absent'));
  });
});
