/**
 * Removes what a run made, synchronously, so the same code serves destroy(),
 * process 'exit', SIGINT/SIGTERM, and the sweep of runs whose owner died.
 * Order: processes, cgroups, pins, namespaces, files. Each step runs even if
 * an earlier one failed; the failures are reported together at the end.
 */
import { readdirSync, rmSync } from 'node:fs';
import { cgroup2MountPoint } from '../agent/system/mounts.js';
import { killCgroupTreeSync, killQuietly, removeCgroupTreeSync } from './cgroup.js';
import { deleteNetnsSync, listNetnsSync, netnsOfPrefixSync, netnsPidsSync } from './netns.js';
import { ownerAlive, readOwner, recordedPrefixes, removeOwner } from './owner.js';
import { bpffsRoot, runPaths } from './run-paths.js';
import { isRunPrefix, prefixOf } from './run-prefix.js';

export interface SweepOptions {
  /** keep /tmp/<prefix> (WEFT_KEEP_LOGS=1) */
  keepRunDir?: boolean;
  /** processes the caller started, in case one is not yet in a run cgroup or namespace */
  pids?: number[];
}

export class TeardownError extends AggregateError {
  readonly code = 'WEFT_ERR_TESTBED_TEARDOWN';
}

export function sweepPrefix(prefix: string, options: SweepOptions = {}): void {
  const { runDir, pinRoot, cgroupRoot } = runPaths(prefix);
  const failures: Error[] = [];
  const step = (what: string, action: () => void): void => {
    try {
      action();
    } catch (error) {
      failures.push(new Error(`${what}: ${(error as Error).message}`, { cause: error }));
    }
  };

  let namespaces: string[] = [];
  step('list network namespaces', () => {
    namespaces = netnsOfPrefixSync(prefix);
  });
  step('kill processes', () => {
    for (const pid of options.pids ?? []) killQuietly(pid);
    // A process in a run namespace is the run's, whatever cgroup it is in.
    for (const name of namespaces) for (const pid of netnsPidsSync(name)) killQuietly(pid);
    if (cgroupRoot) killCgroupTreeSync(cgroupRoot);
  });
  if (cgroupRoot) step(`remove cgroups under ${cgroupRoot}`, () => removeCgroupTreeSync(cgroupRoot));
  // Unlinking a pinned bpf_link detaches it; the run's maps go with their last reference.
  step(`remove pins under ${pinRoot}`, () => rmSync(pinRoot, { recursive: true, force: true, maxRetries: 3 }));
  for (const name of namespaces) step(`delete netns ${name}`, () => deleteNetnsSync(name));
  if (!options.keepRunDir) step(`remove ${runDir}`, () => rmSync(runDir, { recursive: true, force: true, maxRetries: 3 }));
  step('remove owner record', () => removeOwner(prefix));

  if (failures.length > 0) {
    throw new TeardownError(failures, `teardown of ${prefix} failed: ${failures.map((f) => f.message).join('; ')}`);
  }
}

/** Prefixes that have something on this machine: an owner record, a namespace,
 * a cgroup or a bpffs directory. Temp dirs do not count: kept logs stay. */
export function prefixesPresent(): string[] {
  const found = new Set<string>(recordedPrefixes());
  const add = (name: string): void => {
    const prefix = prefixOf(name);
    if (prefix) found.add(prefix);
  };
  try {
    listNetnsSync().forEach(add);
  } catch {
    // no iproute2: nothing of ours can exist either
  }
  for (const dir of [cgroup2MountPoint(), bpffsRoot]) {
    if (!dir) continue;
    try {
      readdirSync(dir).filter(isRunPrefix).forEach(add);
    } catch {
      // not mounted
    }
  }
  return [...found].sort();
}

/** Removes what earlier runs left when their owner died without cleaning up
 * (SIGKILL, a crash). Runs whose owner is alive are left alone. */
export function sweepStale(): { swept: string[]; failures: Error[] } {
  const swept: string[] = [];
  const failures: Error[] = [];
  for (const prefix of prefixesPresent()) {
    // The owner record is written before a run creates anything, so a prefix
    // with no record is a leftover, never a run being built.
    const owner = readOwner(prefix);
    if (ownerAlive(owner)) continue;
    try {
      sweepPrefix(prefix, { keepRunDir: owner?.keepLogs ?? false });
      swept.push(prefix);
    } catch (error) {
      failures.push(error as Error);
    }
  }
  return { swept, failures };
}
