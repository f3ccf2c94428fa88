/** What `weft check` says about each capability set an operator may run the agent with. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Capability, type CapabilityName } from './capabilities.js';
import { bpfCapability, netAdminCapability, type PrivilegeFacts, sysResourceCapability } from './capability-requirements.js';
import { parseMemlockLimit } from './memlock-limit.js';

const mask = (...names: CapabilityName[]) => names.reduce((bits, name) => bits | (1n << BigInt(Capability[name])), 0n);
const facts = (names: CapabilityName[], kernel = { major: 6, minor: 1, patch: 0 }, extra: Partial<PrivilegeFacts> = {}): PrivilegeFacts => ({
  effective: mask(...names),
  effectiveUid: 0,
  kernel,
  memlock: 8 * 1024 * 1024,
  ...extra,
});
const rows = (f: PrivilegeFacts) => ({ bpf: bpfCapability(f), netAdmin: netAdminCapability(f), sysResource: sysResourceCapability(f) });
const failing = (f: PrivilegeFacts) => Object.entries(rows(f)).filter(([, finding]) => !finding.ok).map(([row]) => row);

describe('capability requirements', () => {
  it('the DaemonSet\'s set (BPF, NET_ADMIN) is enough on Linux 5.11+; CAP_SYS_ADMIN is not asked for', () => {
    assert.deepEqual(failing(facts(['BPF', 'NET_ADMIN'])), []);
    assert.equal(rows(facts(['BPF', 'NET_ADMIN'])).bpf.detail, 'effective (euid 0)');
    assert.match(rows(facts(['BPF', 'NET_ADMIN'])).sysResource.detail, /^not needed: Linux 5\.11\+/);
  });

  it('names the one that is missing, and how to grant it', () => {
    const onlyBpf = rows(facts(['BPF']));
    assert.deepEqual(failing(facts(['BPF'])), ['netAdmin']);
    assert.match(onlyBpf.netAdmin.detail, /^CAP_NET_ADMIN is not in CapEff 0000008000000000 \(euid 0\); needed to load cgroup\/connect4, sockops and sk_lookup/);
    assert.equal(onlyBpf.netAdmin.fix, 'grant it (in Kubernetes: securityContext.capabilities.add [NET_ADMIN])');
    const onlyNetAdmin = rows(facts(['NET_ADMIN']));
    assert.deepEqual(failing(facts(['NET_ADMIN'])), ['bpf']);
    assert.match(onlyNetAdmin.bpf.detail, /^CAP_BPF is not in CapEff 0000000000001000 \(euid 0\); needed for bpf\(\)/);
    assert.match(onlyNetAdmin.bpf.fix ?? '', /^grant it \(in Kubernetes: securityContext\.capabilities\.add \[BPF\]; CAP_SYS_ADMIN also does/);
    assert.deepEqual(failing(facts([])), ['bpf', 'netAdmin']);
    assert.match(bpfCapability(facts([], undefined, { effectiveUid: 1000 })).fix ?? '', /^run as root, or grant it/);
  });

  it('takes CAP_SYS_ADMIN in place of both on Linux 5.8+, and in place of CAP_BPF only before', () => {
    assert.deepEqual(failing(facts(['SYS_ADMIN'])), []);
    assert.match(rows(facts(['SYS_ADMIN'])).bpf.detail, /^not effective, but CAP_SYS_ADMIN is/);
    assert.match(rows(facts(['SYS_ADMIN'])).netAdmin.detail, /^not effective, but CAP_SYS_ADMIN is/);
    const old = { major: 5, minor: 4, patch: 0 };
    assert.deepEqual(failing(facts(['SYS_ADMIN', 'SYS_RESOURCE'], old)), ['netAdmin'], 'before 5.8, attaching to a cgroup needs CAP_NET_ADMIN itself');
    assert.deepEqual(failing(facts(['SYS_ADMIN', 'NET_ADMIN', 'SYS_RESOURCE'], old)), []);
    assert.match(bpfCapability(facts(['NET_ADMIN'], old)).fix ?? '', /^grant CAP_SYS_ADMIN .*\[SYS_ADMIN\]/, 'no CAP_BPF to grant before 5.8');
  });

  it('asks for CAP_SYS_RESOURCE only before Linux 5.11, and only while RLIMIT_MEMLOCK is limited', () => {
    const v510 = { major: 5, minor: 10, patch: 0 };
    assert.deepEqual(failing(facts(['BPF', 'NET_ADMIN'], v510)), ['sysResource']);
    assert.match(sysResourceCapability(facts(['BPF', 'NET_ADMIN'], v510)).detail, /^CAP_SYS_RESOURCE is not in CapEff .*RLIMIT_MEMLOCK \(8192 KiB here\)/);
    assert.deepEqual(failing(facts(['BPF', 'NET_ADMIN', 'SYS_RESOURCE'], v510)), []);
    assert.deepEqual(failing(facts(['BPF', 'NET_ADMIN'], v510, { memlock: 'unlimited' })), []);
    assert.deepEqual(failing(facts(['BPF', 'NET_ADMIN'], { major: 5, minor: 11, patch: 0 })), []);
  });

  it('reads the soft memlock limit from /proc/<pid>/limits', () => {
    const limits = (soft: string, hard: string) => `Limit                     Soft Limit           Hard Limit           Units     \nMax locked memory         ${soft}              ${hard}              bytes     \n`;
    assert.equal(parseMemlockLimit(limits('65536', 'unlimited')), 65536);
    assert.equal(parseMemlockLimit(limits('unlimited', 'unlimited')), 'unlimited');
    assert.equal(parseMemlockLimit('Max open files 1024 1024 files\n'), undefined);
  });
});
