/**
 * Reading `weft demo` as a user sees it: the run prefix it prints, the rows
 * of its `weft top` tables (plain or redrawn in place on a terminal), and
 * whatever of the run is still on the machine afterwards.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { prefixesPresent } from '../../testbed/teardown.js';

export interface TopRow {
  namespace: string;
  name: string;
  success: string;
  rps: number;
  tcpConnections: number;
  bytesPerSecond: number;
}

export function prefixIn(output: string): string {
  const prefix = /run prefix (weft-d[0-9a-f]{6,})/.exec(stripVTControlCharacters(output))?.[1];
  assert.ok(prefix, `no run prefix in the demo output:\n${output}`);
  return prefix;
}

const unit: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };
const rowPattern = /^(\S+)\s+(\S+)\s+(\d+\.\d+%|-)\s+(\d+\.\d)rps\s+\S+\s+\S+\s+(\d+)\s+(\d+(?:\.\d+)?)(B|kB|MB|GB)\/s$/;

/** Every table row `weft top` printed, in order (terminal escapes removed). */
export function topRows(output: string): TopRow[] {
  return stripVTControlCharacters(output)
    .split(/\r?\n/)
    .flatMap((line) => {
      const m = rowPattern.exec(line.trim());
      if (!m) return [];
      return [{
        namespace: m[1]!,
        name: m[2]!,
        success: m[3]!,
        rps: Number(m[4]),
        tcpConnections: Number(m[5]),
        bytesPerSecond: Number(m[6]) * unit[m[7]!]!,
      }];
    });
}

/** Processes started for the run: they carry its prefix in their environment or command line. */
export function processesOf(prefix: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (environ.includes(`WEFT_TESTBED_RUN=${prefix}`) || cmdline.includes(prefix)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** What of the run is still here: namespaces, cgroups, pins, owner record (by prefix) and processes. */
export function leftovers(prefix: string): string[] {
  return [...(prefixesPresent().includes(prefix) ? [`objects with prefix ${prefix}`] : []), ...processesOf(prefix)];
}
