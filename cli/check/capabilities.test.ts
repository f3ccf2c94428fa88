import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrivilegeError } from '../../agent/system/system-errors.js';
import { formatMask, hasCapability, parseProcStatus, readProcessPrivileges } from './capabilities.js';

const status = (uid: string, capEff: string) =>
  ['Name:\tnode', 'State:\tR (running)', `Uid:\t${uid}`, 'Gid:\t0\t0\t0\t0', 'CapInh:\t0000000000000000',
    `CapPrm:\t${capEff}`, `CapEff:\t${capEff}`, 'CapBnd:\t000001ffffffffff', 'Seccomp:\t0'].join('\n');

describe('capabilities', () => {
  it('reads a full root set: every capability but the cleared bit 24', () => {
    const privileges = parseProcStatus(status('0\t0\t0\t0', '000001fffeffffff'));
    assert.equal(privileges.effectiveUid, 0);
    assert.equal(privileges.effective, 0x1fffeffffffn);
    for (const name of ['BPF', 'NET_ADMIN', 'SYS_ADMIN', 'PERFMON'] as const) assert.ok(hasCapability(privileges.effective, name), name);
    assert.equal((privileges.effective >> 24n) & 1n, 0n);
  });

  it('sees CAP_BPF (39) and CAP_PERFMON (38) above 32 bits', () => {
    const { effective } = parseProcStatus(status('1000\t1000\t1000\t1000', '000000c000000000'));
    assert.ok(hasCapability(effective, 'BPF'));
    assert.ok(hasCapability(effective, 'PERFMON'));
    assert.ok(!hasCapability(effective, 'NET_ADMIN'));
    assert.ok(!hasCapability(effective, 'SYS_ADMIN'));
  });

  it('tells NET_ADMIN (12) from SYS_ADMIN (21)', () => {
    const netAdmin = parseProcStatus(status('0\t0\t0\t0', '0000000000001000')).effective;
    assert.ok(hasCapability(netAdmin, 'NET_ADMIN'));
    assert.ok(!hasCapability(netAdmin, 'SYS_ADMIN'));
    const sysAdmin = parseProcStatus(status('0\t0\t0\t0', '0000000000200000')).effective;
    assert.ok(hasCapability(sysAdmin, 'SYS_ADMIN'));
    assert.ok(!hasCapability(sysAdmin, 'NET_ADMIN'));
  });

  it('takes the effective uid, not the real one', () => {
    assert.equal(parseProcStatus(status('1000\t0\t0\t0', '0000000000000000')).effectiveUid, 0);
    assert.equal(parseProcStatus(status('0\t1000\t1000\t1000', '0000000000000000')).effectiveUid, 1000);
  });

  it('rejects a status without CapEff, or a malformed one, with WEFT_ERR_PRIVILEGE', () => {
    assert.throws(() => parseProcStatus('Name:\tnode\nUid:\t0\t0\t0\t0\n'), (e: unknown) => e instanceof PrivilegeError && e.code === 'WEFT_ERR_PRIVILEGE' && /CapEff/.test(e.message));
    assert.throws(() => parseProcStatus(status('0\t0\t0\t0', 'zz')), PrivilegeError);
    assert.throws(() => parseProcStatus('CapEff:\t0000000000000000\n'), /Uid/);
  });

  it('prints a mask the way /proc does', () => {
    assert.equal(formatMask(0x1fffeffffffn), '000001fffeffffff');
    assert.equal(formatMask(0n), '0000000000000000');
  });

  it('reads this process: as root it holds what Weft needs', () => {
    const own = readProcessPrivileges();
    assert.equal(own.effectiveUid, process.geteuid?.());
    if (own.effectiveUid === 0) assert.ok(hasCapability(own.effective, 'BPF'));
  });
});
