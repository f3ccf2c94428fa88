/** Runs the check definitions; one broken check becomes a missing row, never a crash. */
import { addonAvailable, MapType, probeMap } from '../../native/index.js';
import { checks } from './checks.js';
import type { CheckContext, CheckDefinition, CheckResult, CheckStatus, Finding } from './check-types.js';

export function createCheckContext(): CheckContext {
  const addonLoaded = addonAvailable();
  let bpfSyscall: number | undefined;
  if (addonLoaded) {
    try {
      bpfSyscall = probeMap(MapType.hash);
    } catch {
      bpfSyscall = 0;
    }
  }
  return { addonLoaded, bpfSyscall };
}

export function runChecks(definitions: CheckDefinition[] = checks, context = createCheckContext()): CheckResult[] {
  return definitions.map((definition) => {
    let found: Finding;
    try {
      found = definition.run(context);
    } catch (error) {
      found = { ok: false, detail: `check failed: ${(error as Error).message}`, fix: 'report this as a Weft bug' };
    }
    const status: CheckStatus = found.ok ? 'ok' : definition.required ? 'missing' : 'optional-missing';
    const { id, name, required } = definition;
    const result: CheckResult = { id, name, required, status, detail: found.detail };
    if (!found.ok) result.fix = found.fix ?? 'see the detail';
    return result;
  });
}

/** The exit code's rule: only a missing required item fails. */
export function passed(results: CheckResult[]): boolean {
  return results.every((result) => result.status !== 'missing');
}
