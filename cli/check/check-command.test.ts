/**
 * `weft check` end to end, as root on this machine: the real kernel, the real
 * mounts, the built addon. Breakage is made in private namespaces or through
 * the install's own env overrides, never on the machine itself.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installRoot } from '../../core/paths.js';
import { bpffsMountedAt } from '../../agent/system/mounts.js';
import type { CheckResult } from './check-types.js';

const weft = join(installRoot, 'bin', 'weft.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const result = spawnSync(command, args, { cwd: installRoot, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function checkJson(command: string, args: string[], env?: NodeJS.ProcessEnv): { run: Run; ok: boolean; checks: CheckResult[] } {
  const result = run(command, args, env);
  const parsed = JSON.parse(result.stdout) as { ok: boolean; checks: CheckResult[] };
  return { run: result, ...parsed };
}

const byId = (checks: CheckResult[], id: string): CheckResult => {
  const found = checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id} in ${checks.map((c) => c.id).join(', ')}`);
  return found;
};

const missingIds = (checks: CheckResult[]) => checks.filter((c) => c.status === 'missing').map((c) => c.id).sort();

// Unmounts every bpffs stacked at /sys/fs/bpf (bounded), then runs weft in
// that namespace; the private propagation keeps the machine's mount intact.
const withoutBpffs = [
  'i=0',
  'while findmnt -n -t bpf -M /sys/fs/bpf >/dev/null 2>&1; do',
  '  i=$((i + 1)); [ "$i" -le 8 ] || { echo "bpffs still mounted after 8 unmounts" >&2; exit 97; }',
  '  umount /sys/fs/bpf 2>/dev/null || umount -l /sys/fs/bpf || exit 98',
  'done',
  'exec node "$0" "$@"',
].join('\n');

describe('weft check', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'weft-check-test-'));

  before(() => {
    assert.equal(process.geteuid?.(), 0, 'these tests run as root (they probe bpf() and use mount namespaces)');
    if (!bpffsMountedAt('/sys/fs/bpf')) execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf']);
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('passes on this machine: exit 0, every required item ok, a table with a summary', () => {
    const table = run('node', [weft, 'check']);
    assert.equal(table.status, 0, table.stdout + table.stderr);
    assert.match(table.stdout, /^ +CHECK +STATUS +FOUND$/m);
    assert.match(table.stdout, /^✓ +bpffs +ok +mounted at \/sys\/fs\/bpf$/m);
    assert.match(table.stdout, /: Weft can run here\.$/m);
    assert.doesNotMatch(table.stdout, /^✗/m);

    const { run: json, ok, checks } = checkJson('node', [weft, 'check', '--json']);
    assert.equal(json.status, 0);
    assert.equal(ok, true);
    assert.deepEqual(missingIds(checks), []);
    for (const check of checks.filter((c) => c.required)) {
      assert.equal(check.status, 'ok', `${check.name}: ${check.detail}`);
      assert.equal(check.fix, undefined);
    }
    for (const id of ['kernel-version', 'capability-bpf', 'capability-net-admin', 'capability-sys-resource', 'native-addon', 'bpf-syscall',
      'program-cgroup-connect4', 'program-sockops', 'program-cgroup-skb-ingress', 'program-sk-lookup', 'map-hash', 'map-lru-hash', 'map-percpu-array', 'map-sockhash',
      'btf', 'cgroup2', 'bpffs', 'bpf-objects']) {
      assert.equal(byId(checks, id).required, true, id);
    }
    for (const id of ['capability-perfmon', 'program-sk-msg', 'tool-ip', 'tool-nsenter']) {
      assert.equal(byId(checks, id).required, false, id);
    }
    assert.equal(checks.find((c) => c.id === 'capability-sys-admin'), undefined, 'CAP_SYS_ADMIN is never required');
    // Never assumed: the cgroup v2 row says where findmnt finds it, and the layout.
    const cgroup2 = execFileSync('findmnt', ['-n', '-t', 'cgroup2', '-o', 'TARGET'], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(cgroup2.some((at) => byId(checks, 'cgroup2').detail.startsWith(`${at} (`)), byId(checks, 'cgroup2').detail);
    assert.match(byId(checks, 'cgroup2').detail, /(unified|hybrid) layout/);
  });

  it('without bpffs at /sys/fs/bpf names the item and its fix, and exits non-zero', () => {
    const table = run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', withoutBpffs, weft, 'check']);
    assert.equal(table.status, 1, table.stdout + table.stderr);
    assert.match(table.stdout, /^✗ +bpffs +missing +not mounted at \/sys\/fs\/bpf/m);
    assert.match(table.stdout, /^ +fix: mount -t bpf bpf \/sys\/fs\/bpf$/m);
    assert.match(table.stdout, /1 missing, .*Weft cannot run here/);

    const { run: json, ok, checks } = checkJson('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', withoutBpffs, weft, 'check', '--json']);
    assert.equal(json.status, 1);
    assert.equal(ok, false);
    assert.deepEqual(missingIds(checks), ['bpffs']);
    assert.equal(byId(checks, 'bpffs').fix, 'mount -t bpf bpf /sys/fs/bpf');

    assert.ok(bpffsMountedAt('/sys/fs/bpf'), "the machine's own bpffs must still be mounted");
  });

  it('without capabilities reports each one and bpf(), and does not blame the kernel for the probes', () => {
    const { run: json, checks } = checkJson('setpriv', ['--inh-caps=-all', '--bounding-set=-all', 'node', weft, 'check', '--json']);
    assert.equal(json.status, 1);
    assert.deepEqual(missingIds(checks), [
      'bpf-syscall', 'capability-bpf', 'capability-net-admin',
      'map-array', 'map-hash', 'map-lru-hash', 'map-percpu-array', 'map-sockhash',
      'program-cgroup-connect4', 'program-cgroup-skb-ingress', 'program-sk-lookup', 'program-sockops',
    ]);
    assert.match(byId(checks, 'capability-bpf').detail, /^CAP_BPF is not in CapEff 0000000000000000 \(euid 0\)/);
    assert.match(byId(checks, 'capability-bpf').fix ?? '', /^grant it .*\[BPF\]/); // euid 0 already: sudo would not help
    assert.equal(byId(checks, 'capability-perfmon').status, 'optional-missing');
    assert.match(byId(checks, 'bpf-syscall').fix ?? '', /CAP_BPF and CAP_NET_ADMIN effective, or CAP_SYS_ADMIN before Linux 5\.8 .*\[BPF, NET_ADMIN\]/);
    assert.match(byId(checks, 'program-sockops').detail, /^not probed: bpf\(\) is not usable/);
    assert.equal(byId(checks, 'program-sockops').fix, 'fix the bpf() syscall row first');
  });

  // setpriv as the DaemonSet's securityContext: drop everything, add these, no_new_privs.
  const withCapabilities = (capabilities: string[]) => [`--bounding-set=${['-all', ...capabilities.map((c) => `+${c}`)].join(',')}`, '--inh-caps=-all', '--no-new-privs', 'node', weft, 'check', '--json'];

  it('passes with the agent DaemonSet\'s capabilities (BPF, NET_ADMIN, SYS_RESOURCE): CAP_SYS_ADMIN is not needed', () => {
    const { run: json, ok, checks } = checkJson('setpriv', withCapabilities(['bpf', 'net_admin', 'sys_resource']));
    assert.equal(json.status, 0, json.stdout);
    assert.equal(ok, true);
    assert.deepEqual(missingIds(checks), []);
    assert.equal(byId(checks, 'capability-bpf').detail, 'effective (euid 0)');
    assert.equal(byId(checks, 'program-cgroup-connect4').status, 'ok', 'the kernel agrees: the probes load');
  });

  it('with CAP_BPF alone names CAP_NET_ADMIN as what is missing, and the programs it blocks', () => {
    const { run: json, checks } = checkJson('setpriv', withCapabilities(['bpf']));
    assert.equal(json.status, 1);
    assert.deepEqual(missingIds(checks), ['capability-net-admin', 'map-sockhash', 'program-cgroup-connect4', 'program-sk-lookup', 'program-sockops']);
    assert.match(byId(checks, 'capability-net-admin').detail, /^CAP_NET_ADMIN is not in CapEff 0000008000000000 \(euid 0\); needed to load cgroup\/connect4, sockops and sk_lookup/);
    assert.equal(byId(checks, 'capability-net-admin').fix, 'grant it (in Kubernetes: securityContext.capabilities.add [NET_ADMIN])');
    // Not blamed on the kernel: the refusal is the missing capability's.
    assert.equal(byId(checks, 'program-cgroup-connect4').detail, 'not probed: CAP_NET_ADMIN is missing, which this type needs (redirects connects to the proxy)');
    assert.equal(byId(checks, 'program-sockops').fix, 'fix the CAP_NET_ADMIN row first');
    assert.equal(byId(checks, 'program-cgroup-skb-ingress').status, 'ok', 'cgroup_skb is not a CAP_NET_ADMIN type');
  });

  it('takes CAP_SYS_ADMIN alone in place of both, as the kernel does', () => {
    const { run: json, checks } = checkJson('setpriv', withCapabilities(['sys_admin']));
    assert.equal(json.status, 0, json.stdout);
    assert.match(byId(checks, 'capability-bpf').detail, /^not effective, but CAP_SYS_ADMIN is/);
    assert.match(byId(checks, 'capability-net-admin').detail, /^not effective, but CAP_SYS_ADMIN is/);
    assert.equal(byId(checks, 'bpf-syscall').status, 'ok');
  });

  it('without the native addon says so, with npm run build as the fix', () => {
    const { run: json, checks } = checkJson('node', [weft, 'check', '--json'], { WEFT_NATIVE_ADDON: join(scratch, 'absent.node') });
    assert.equal(json.status, 1);
    const addon = byId(checks, 'native-addon');
    assert.equal(addon.status, 'missing');
    assert.match(addon.detail, /absent\.node not found/);
    assert.equal(addon.fix, 'npm run build');
    assert.equal(byId(checks, 'bpf-syscall').fix, 'npm run build');
    assert.match(byId(checks, 'program-cgroup-connect4').detail, /^not probed: the native addon does not load/);
  });

  it('tells a missing bpf object from a file that is not eBPF', () => {
    const dir = join(scratch, 'bpf-objects');
    mkdirSync(dir);
    copyFileSync('/usr/bin/true', join(dir, 'connect4.bpf.o')); // an ELF, but for this CPU
    const { run: json, checks } = checkJson('node', [weft, 'check', '--json'], { WEFT_BPF_DIR: dir });
    assert.equal(json.status, 1);
    assert.deepEqual(missingIds(checks), ['bpf-objects']);
    const objects = byId(checks, 'bpf-objects');
    assert.match(objects.detail, /sockops\.bpf\.o not found/);
    assert.match(objects.detail, /connect4\.bpf\.o is not an eBPF object/);
    assert.match(objects.fix ?? '', /^npm run build/);
  });
});
