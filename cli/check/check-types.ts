/** The vocabulary of `weft check`: a definition runs, a result is what it found. */

/** `optional-missing` never fails the check; `missing` always does. */
export type CheckStatus = 'ok' | 'missing' | 'optional-missing';

/** What one check found. `fix` is only read when `ok` is false. */
export interface Finding {
  ok: boolean;
  detail: string;
  fix?: string;
}

/** Shared by every check, computed once: the probes all need the addon and
 * a usable bpf(), and saying "unsupported" when the real cause is either of
 * those would send the operator after the wrong fix. */
export interface CheckContext {
  addonLoaded: boolean;
  /** probeMap(hash): 1 usable; 0 or -errno refused; undefined without the addon. */
  bpfSyscall: number | undefined;
}

export interface CheckDefinition {
  /** Stable across releases: what `--json` consumers match on. */
  id: string;
  /** The label in the table. */
  name: string;
  required: boolean;
  run(context: CheckContext): Finding;
}

export interface CheckResult {
  id: string;
  name: string;
  required: boolean;
  status: CheckStatus;
  detail: string;
  fix?: string;
}
