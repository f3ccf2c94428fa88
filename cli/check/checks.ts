/**
 * Everything `weft check` looks at, in the order an operator would fix it:
 * kernel, privileges, addon, bpf(), what the kernel can load, the
 * filesystems the agent pins and attaches through, build outputs, tools.
 */
import { existsSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { join, relative } from 'node:path';
import { MapType, probeMap, probeProgram } from '../../native/index.js';
import { bpfObjectDir, installRoot, nativeAddonPath } from '../../core/paths.js';
import { bpffsMountedAt, cgroup2MountPoint, mounts } from '../../agent/system/mounts.js';
import { isBpfElf } from './bpf-object-file.js';
import { type CapabilityName, formatMask, hasCapability, readProcessPrivileges } from './capabilities.js';
import { bpfCapability, netAdminCapability, type PrivilegeFacts, sysResourceCapability } from './capability-requirements.js';
import { cgroupLayout } from './cgroup-layout.js';
import type { CheckContext, CheckDefinition, Finding } from './check-types.js';
import { findExecutable } from './executables.js';
import { isAtLeast, parseKernelRelease } from './kernel-version.js';
import { readMemlockLimit } from './memlock-limit.js';
import { describeProbe } from './probe-result.js';

export const bpffsPath = '/sys/fs/bpf';
export const btfPath = '/sys/kernel/btf/vmlinux';
export const bpfObjects = ['connect4.bpf.o', 'sockops.bpf.o', 'ingress.bpf.o'];

const privilegeFix =
  'run as root with CAP_BPF and CAP_NET_ADMIN effective, or CAP_SYS_ADMIN before Linux 5.8 (in Kubernetes: securityContext.capabilities.add [BPF, NET_ADMIN])';

/** Paths under the install root print short; anything else prints whole. */
function shown(path: string): string {
  const inside = relative(installRoot, path);
  return inside.startsWith('..') || inside.startsWith('/') ? path : inside;
}

function ok(detail: string): Finding {
  return { ok: true, detail };
}

function notOk(detail: string, fix: string): Finding {
  return { ok: false, detail, fix };
}

function privilegeFacts(): PrivilegeFacts {
  return { ...readProcessPrivileges(), kernel: parseKernelRelease(release()), memlock: readMemlockLimit() };
}

/** A capability row decided by capability-requirements.ts, which knows what stands in for what. */
function requiredCapability(capability: CapabilityName, decide: (facts: PrivilegeFacts) => Finding): CheckDefinition {
  return { id: `capability-${capability.toLowerCase().replace('_', '-')}`, name: `CAP_${capability}`, required: true, run: () => decide(privilegeFacts()) };
}

function capabilityCheck(capability: CapabilityName, required: boolean, why: string): CheckDefinition {
  return {
    id: `capability-${capability.toLowerCase().replace('_', '-')}`,
    name: `CAP_${capability}`,
    required,
    run() {
      const { effective, effectiveUid } = readProcessPrivileges();
      if (hasCapability(effective, capability)) return ok(`effective (euid ${effectiveUid})`);
      // Root without it means something took it away (a container, setpriv): sudo will not help.
      const grant = `grant it (in Kubernetes: securityContext.capabilities.add [${capability}])`;
      return notOk(
        `not in CapEff ${formatMask(effective)} (euid ${effectiveUid}); needed ${why}`,
        effectiveUid === 0 ? grant : `run as root, or ${grant}`,
      );
    },
  };
}

/** The probes mean nothing without the addon and a bpf() that answers, nor
 * for networking types without CAP_NET_ADMIN: libbpf reports "no privilege"
 * as "unsupported". */
function probed(context: CheckContext, probe: () => number, unsupportedFix: string, needsNetAdmin = false): Finding {
  // The fix is the blocking row's; pointing there keeps one cause from reading as many.
  if (!context.addonLoaded) return notOk('not probed: the native addon does not load', 'npm run build');
  if (context.bpfSyscall !== 1) return notOk('not probed: bpf() is not usable', 'fix the bpf() syscall row first');
  if (needsNetAdmin && !netAdminCapability(privilegeFacts()).ok) return notOk('not probed: CAP_NET_ADMIN is missing, which this type needs', 'fix the CAP_NET_ADMIN row first');
  const result = probe();
  return result === 1 ? ok(describeProbe(result)) : notOk(describeProbe(result), unsupportedFix);
}

/** `netAdmin`: a networking type (the kernel's is_net_admin_prog_type and sock map types), which needs CAP_NET_ADMIN besides CAP_BPF. */
function programCheck(section: string, required: boolean, purpose: string, config: string, netAdmin: boolean): CheckDefinition {
  return {
    id: `program-${section.replace(/[/_]/g, '-')}`,
    name: `program ${section}`,
    required,
    run: (context) => {
      const found = probed(context, () => probeProgram(section), `a kernel built with ${config}=y`, netAdmin);
      return { ...found, detail: `${found.detail} (${purpose})` };
    },
  };
}

function mapCheck(name: string, type: number, required: boolean, purpose: string, config: string, netAdmin = false): CheckDefinition {
  return {
    id: `map-${name.replace(/_/g, '-')}`,
    name: `map ${name}`,
    required,
    run: (context) => {
      const found = probed(context, () => probeMap(type), `a kernel built with ${config}=y`, netAdmin);
      return { ...found, detail: `${found.detail} (${purpose})` };
    },
  };
}

function toolCheck(tool: string, debianPackage: string, purpose: string): CheckDefinition {
  return {
    id: `tool-${tool}`,
    name: `tool ${tool}`,
    required: false,
    run() {
      const path = findExecutable(tool);
      return path ? ok(path) : notOk(`not in PATH (${purpose})`, `apt-get install ${debianPackage}`);
    },
  };
}

export const checks: CheckDefinition[] = [
  {
    id: 'kernel-version',
    name: 'kernel >= 5.10',
    required: true,
    run() {
      const found = release();
      const version = parseKernelRelease(found);
      if (version && isAtLeast(version, 5, 10)) return ok(`Linux ${found}`);
      return notOk(
        version ? `Linux ${found}; bpf_link for cgroups and the sockops socket cookie need 5.10` : `cannot read the version in "${found}"`,
        'upgrade to Linux 5.10 or later',
      );
    },
  },
  // What the agent needs, as its DaemonSet grants it: CAP_SYS_ADMIN is only ever an alternative.
  requiredCapability('BPF', bpfCapability),
  requiredCapability('NET_ADMIN', netAdminCapability),
  requiredCapability('SYS_RESOURCE', sysResourceCapability),
  capabilityCheck('PERFMON', false, 'only by tracing-style helpers such as bpf_probe_read_kernel'),
  {
    id: 'native-addon',
    name: 'native addon',
    required: true,
    run(context) {
      if (context.addonLoaded) return ok(`${shown(nativeAddonPath)} loads`);
      const detail = existsSync(nativeAddonPath)
        ? `${shown(nativeAddonPath)} exists but does not load (built for another Node, or libbpf missing)`
        : `${shown(nativeAddonPath)} not found`;
      return notOk(detail, 'npm run build');
    },
  },
  {
    id: 'bpf-syscall',
    name: 'bpf() syscall',
    required: true,
    run(context) {
      if (!context.addonLoaded) return notOk('not probed: the native addon does not load', 'npm run build');
      const result = context.bpfSyscall ?? 0;
      if (result === 1) return ok('BPF_MAP_CREATE succeeds');
      // A hash map exists on every kernel with bpf(): a refusal is about privilege.
      const why = result === 0 ? 'the kernel refused to create a hash map' : describeProbe(result);
      return notOk(`${why}; no privilege, or a seccomp profile blocks bpf()`, privilegeFix);
    },
  },
  programCheck('cgroup/connect4', true, 'redirects connects to the proxy', 'CONFIG_CGROUP_BPF', true),
  programCheck('sockops', true, 'hands the original destination to the proxy', 'CONFIG_CGROUP_BPF', true),
  programCheck('cgroup_skb/ingress', true, 'STRICT mode drops plaintext inbound', 'CONFIG_CGROUP_BPF', false),
  programCheck('sk_lookup', true, 'captures plaintext inbound to pods, for authorization', 'CONFIG_BPF_SYSCALL (Linux 5.9+)', true),
  programCheck('sk_msg', false, 'socket-to-socket fast path', 'CONFIG_BPF_STREAM_PARSER', true),
  mapCheck('hash', MapType.hash, true, 'mesh_dst: meshed destinations', 'CONFIG_BPF_SYSCALL'),
  mapCheck('array', MapType.array, true, 'proxy_addr: where connects go', 'CONFIG_BPF_SYSCALL'),
  mapCheck('lru_hash', MapType.lruHash, true, 'cookie_orig_dst, pair_orig_dst: original destinations', 'CONFIG_BPF_SYSCALL'),
  mapCheck('percpu_array', MapType.percpuArray, true, 'stats: datapath counters', 'CONFIG_BPF_SYSCALL'),
  mapCheck('sockhash', MapType.sockhash, true, "inbound_sockets: the proxy's socket in each pod", 'CONFIG_BPF_STREAM_PARSER', true),
  {
    id: 'btf',
    name: 'kernel BTF',
    required: true,
    run() {
      if (!existsSync(btfPath)) return notOk(`${btfPath} not found`, 'a kernel built with CONFIG_DEBUG_INFO_BTF=y');
      return ok(`${btfPath} (${(statSync(btfPath).size / 2 ** 20).toFixed(1)} MiB)`);
    },
  },
  {
    id: 'cgroup2',
    name: 'cgroup v2',
    required: true,
    run() {
      const all = mounts();
      const layout = cgroupLayout(all);
      const at = cgroup2MountPoint();
      if (at) {
        const v1Note = layout === 'hybrid' ? ', v1 controllers beside it' : '';
        return ok(`${at} (${layout} layout${v1Note})`);
      }
      return notOk(
        layout === 'legacy' ? 'not mounted (legacy layout: cgroup v1 only)' : 'not mounted',
        'mount -t cgroup2 none /sys/fs/cgroup/unified, or boot with systemd.unified_cgroup_hierarchy=1',
      );
    },
  },
  {
    id: 'bpffs',
    name: 'bpffs',
    required: true,
    run() {
      if (bpffsMountedAt(bpffsPath)) return ok(`mounted at ${bpffsPath}`);
      const elsewhere = mounts().filter((m) => m.fsType === 'bpf').map((m) => m.mountPoint);
      const also = elsewhere.length ? ` (bpf mounted at ${elsewhere.join(', ')})` : '';
      return notOk(`not mounted at ${bpffsPath}${also}; pins would not survive an agent restart`, `mount -t bpf bpf ${bpffsPath}`);
    },
  },
  {
    id: 'bpf-objects',
    name: 'bpf objects',
    required: true,
    run() {
      const paths = bpfObjects.map((name) => join(bpfObjectDir, name));
      const missing = paths.filter((path) => !existsSync(path));
      const foreign = paths.filter((path) => existsSync(path) && !isBpfElf(path));
      if (!missing.length && !foreign.length) return ok(paths.map(shown).join(', '));
      const problems = [
        ...missing.map((path) => `${shown(path)} not found`),
        ...foreign.map((path) => `${shown(path)} is not an eBPF object`),
      ];
      return notOk(problems.join('; '), 'npm run build (or point WEFT_BPF_DIR at a folder holding them)');
    },
  },
  toolCheck('ip', 'iproute2', 'the testbed and weft demo build namespaces with it'),
  toolCheck('nsenter', 'util-linux', 'the testbed and weft demo start processes in namespaces with it'),
];
