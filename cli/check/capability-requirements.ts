/**
 * The capabilities the agent needs, and which one stands in for which:
 * what the agent DaemonSet grants (BPF, NET_ADMIN, and SYS_RESOURCE before
 * Linux 5.11) and test/deploy/agent-capabilities.test.ts proves enough.
 *
 * - CAP_BPF: bpf() itself (create maps, load programs; Linux 5.8+).
 *   CAP_SYS_ADMIN allows the same, and before 5.8 it was the only way.
 * - CAP_NET_ADMIN: loading networking program types (cgroup/connect4,
 *   sockops) and, before 5.8, attaching any program to a cgroup. From 5.8
 *   the kernel accepts CAP_SYS_ADMIN in its place; before, it does not.
 * - CAP_SYS_RESOURCE: before 5.11 maps and programs are charged to
 *   RLIMIT_MEMLOCK, which libbpf raises with it; from 5.11 the memory
 *   cgroup is charged instead and it is not needed.
 *
 * CAP_SYS_ADMIN is never required: it is the broad alternative, and the
 * DaemonSet does not grant it. Each finding is a pure function of the
 * process's privileges, the kernel version and the memlock limit, so every
 * combination is testable without changing this process.
 */
import { type CapabilityName, formatMask, hasCapability } from './capabilities.js';
import type { Finding } from './check-types.js';
import { isAtLeast, type KernelVersion } from './kernel-version.js';
import type { MemlockLimit } from './memlock-limit.js';

export interface PrivilegeFacts {
  effective: bigint;
  effectiveUid: number;
  /** undefined when the release cannot be parsed: nothing is assumed about it. */
  kernel: KernelVersion | undefined;
  memlock: MemlockLimit;
}

function missing(facts: PrivilegeFacts, capability: CapabilityName, why: string, fix: string): Finding {
  // Root without it means something took it away (a container, setpriv): sudo will not help.
  return {
    ok: false,
    detail: `CAP_${capability} is not in CapEff ${formatMask(facts.effective)} (euid ${facts.effectiveUid}); ${why}`,
    fix: facts.effectiveUid === 0 ? fix : `run as root, or ${fix}`,
  };
}

const effective = (facts: PrivilegeFacts) => ({ ok: true, detail: `effective (euid ${facts.effectiveUid})` });
const atLeast = (facts: PrivilegeFacts, major: number, minor: number) => facts.kernel !== undefined && isAtLeast(facts.kernel, major, minor);

export function bpfCapability(facts: PrivilegeFacts): Finding {
  const has = (capability: CapabilityName) => hasCapability(facts.effective, capability);
  if (has('BPF')) return effective(facts);
  if (has('SYS_ADMIN')) return { ok: true, detail: `not effective, but CAP_SYS_ADMIN is, which allows bpf() too (euid ${facts.effectiveUid})` };
  if (facts.kernel !== undefined && !isAtLeast(facts.kernel, 5, 8)) {
    return missing(facts, 'BPF', 'needed for bpf(), and this kernel predates it: CAP_SYS_ADMIN is the only way here', 'grant CAP_SYS_ADMIN (in Kubernetes: securityContext.capabilities.add [SYS_ADMIN]), or upgrade to Linux 5.8+ and grant BPF');
  }
  return missing(facts, 'BPF', 'needed for bpf(): creating the maps and loading the programs', 'grant it (in Kubernetes: securityContext.capabilities.add [BPF]; CAP_SYS_ADMIN also does, and before Linux 5.8 only it)');
}

export function netAdminCapability(facts: PrivilegeFacts): Finding {
  const has = (capability: CapabilityName) => hasCapability(facts.effective, capability);
  if (has('NET_ADMIN')) return effective(facts);
  if (has('SYS_ADMIN') && atLeast(facts, 5, 8)) {
    return { ok: true, detail: `not effective, but CAP_SYS_ADMIN is, which the kernel accepts in its place (euid ${facts.effectiveUid})` };
  }
  return missing(facts, 'NET_ADMIN', 'needed to load cgroup/connect4, sockops and sk_lookup (networking programs), attach them to pod cgroups and network namespaces, and make the sockhash', 'grant it (in Kubernetes: securityContext.capabilities.add [NET_ADMIN])');
}

export function sysResourceCapability(facts: PrivilegeFacts): Finding {
  if (facts.kernel === undefined) return { ok: true, detail: 'not checked: the kernel version is unknown (see the kernel row)' };
  if (atLeast(facts, 5, 11)) return { ok: true, detail: 'not needed: Linux 5.11+ charges BPF memory to the memory cgroup, not RLIMIT_MEMLOCK' };
  if (hasCapability(facts.effective, 'SYS_RESOURCE')) return { ok: true, detail: `effective (euid ${facts.effectiveUid}); libbpf raises RLIMIT_MEMLOCK with it` };
  if (facts.memlock === 'unlimited') return { ok: true, detail: 'not effective, and not needed: RLIMIT_MEMLOCK is already unlimited' };
  const limit = facts.memlock === undefined ? 'unknown' : `${Math.round(facts.memlock / 1024)} KiB`;
  return missing(
    facts,
    'SYS_RESOURCE',
    `this kernel charges BPF maps to RLIMIT_MEMLOCK (${limit} here) and libbpf needs it to lift that limit`,
    'grant it (in Kubernetes: securityContext.capabilities.add [SYS_RESOURCE]), or run with an unlimited memlock limit (ulimit -l unlimited)',
  );
}
