/**
 * metadata.creationTimestamp as the model carries it: RFC 3339, as the API
 * server writes it ("2025-01-01T00:00:00Z"). The codec refuses anything else,
 * so the agent can order routes by age without guessing at formats.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

/** Why `value` is not an RFC 3339 date-time, if it is not. */
export function creationTimestampProblem(value: string): string | undefined {
  return RFC3339.test(value) && Number.isFinite(Date.parse(value)) ? undefined : `${JSON.stringify(value)} is not an RFC 3339 date-time`;
}

/** Milliseconds since the epoch; compare these, not the strings (offsets and fractions differ in text). */
export function creationTime(value: string): number {
  return Date.parse(value);
}
