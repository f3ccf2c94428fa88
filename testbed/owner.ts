/**
 * Which process owns a run: /run/weft-testbed/<prefix>.json, written before
 * the run creates anything, so leftovers of a run whose owner died (SIGKILL,
 * power cut) can be told apart from a run that is still going.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunPrefix } from './run-prefix.js';

export const ownerDir = '/run/weft-testbed';

export interface Owner {
  prefix: string;
  pid: number;
  /** /proc/<pid>/stat field 22: tells the owner from a later process with its pid */
  startTime: string;
  keepLogs: boolean;
  runDir: string;
}

function ownerFile(prefix: string): string {
  if (!isRunPrefix(prefix)) throw new Error(`not a run prefix: ${prefix}`);
  return join(ownerDir, `${prefix}.json`);
}

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses; the fields after the last ')' are plain
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function writeOwner(owner: Omit<Owner, 'pid' | 'startTime'>): void {
  mkdirSync(ownerDir, { recursive: true });
  const record: Owner = { ...owner, pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
  writeFileSync(ownerFile(owner.prefix), `${JSON.stringify(record)}\n`, { flag: 'wx' });
}

export function readOwner(prefix: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(ownerFile(prefix), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

export function removeOwner(prefix: string): void {
  rmSync(ownerFile(prefix), { force: true });
}

export function ownerAlive(owner: Owner | undefined): boolean {
  return owner !== undefined && processStartTime(owner.pid) === owner.startTime;
}

export function recordedPrefixes(): string[] {
  try {
    return readdirSync(ownerDir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter(isRunPrefix);
  } catch {
    return [];
  }
}
