/**
 * Gateway API durations (GEP-2257): one to four number+unit pairs, units
 * h, m, s and ms, e.g. "10s", "500ms", "1h30m". No fractions, no "us":
 * what every Gateway API implementation can read the same way.
 */
const whole = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const part = /([0-9]{1,5})(ms|h|m|s)/g;
const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds, or undefined when `text` is not a Gateway API duration. */
export function parseDuration(text: string): number | undefined {
  if (!whole.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(part)) total += Number(amount) * (unitMs[unit ?? ''] ?? 0);
  return total;
}

/** The shortest Gateway API spelling of `ms`, for messages and for writing manifests back. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) out += `${amount}${unit}`;
    rest -= amount * size;
  }
  return out;
}
