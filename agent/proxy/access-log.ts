/**
 * Which access log lines are written: the per-connection lines of both
 * listeners (`connection complete`, `connection refused`, `inbound
 * connection complete`, `inbound connection refused`) and the per-request
 * `request complete` lines of observed HTTP/1 traffic.
 *
 *   full     every line (the default: a node proxy logs each connection, as
 *            ztunnel does, and the demo and tests read those lines)
 *   sampled  a `sampleRate` share of the lines, and every failure (a
 *            refusal, a reset, a 5xx, a request that got no answer)
 *   off      none; metrics are unaffected
 */

export const accessLogModes = ['off', 'sampled', 'full'] as const;
export type AccessLogMode = (typeof accessLogModes)[number];

export interface AccessLogOptions {
  mode: AccessLogMode;
  /** share of successful lines written in sampled mode, 0..1 */
  sampleRate: number;
}

export const defaultAccessLog: AccessLogOptions = { mode: 'full', sampleRate: 0.01 };

export class AccessLog {
  constructor(
    readonly options: AccessLogOptions = defaultAccessLog,
    private readonly random: () => number = Math.random,
  ) {}

  /** Whether to write this line. */
  admits(failed: boolean): boolean {
    switch (this.options.mode) {
      case 'off':
        return false;
      case 'full':
        return true;
      case 'sampled':
        return failed || this.random() < this.options.sampleRate;
    }
  }
}

/** A request that failed as far as the access log is concerned: no answer, or a 5xx. */
export function requestFailed(status: number, flags: string): boolean {
  return flags !== '-' || status === 0 || status >= 500;
}
