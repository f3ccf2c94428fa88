/**
 * W3C Trace Context and Baggage, read (never changed) for the access log.
 * The headers travel through the proxy and the tunnel as bytes, untouched;
 * these parsers only pull out what a log line may carry: the trace and
 * parent span ids, and baggage keys and size, never baggage values (they
 * are application data, and may be personal).
 */

export interface TraceParent {
  traceId: string;
  /** the caller's span id (W3C `parent-id`) */
  parentId: string;
  sampled: boolean;
}

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A `traceparent` value (W3C Trace Context §3.2), or undefined when it is not a valid one. */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  const match = value === undefined ? null : traceparentPattern.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is forbidden; version 00 has exactly four fields; later versions may append fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { traceId, parentId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export interface BaggageSummary {
  bytes: number;
  keys: string[];
}

/** At most this many keys are named in a log line. */
const maxBaggageKeys = 16;

/** The size and the member keys of a `baggage` value (W3C Baggage §3.2), values left out. */
export function summarizeBaggage(value: string | undefined): BaggageSummary | undefined {
  if (value === undefined) return undefined;
  const keys = value
    .split(',')
    .map((member) => member.split(';', 1)[0]!.split('=', 1)[0]!.trim())
    .filter((key) => key !== '');
  return { bytes: Buffer.byteLength(value), keys: keys.slice(0, maxBaggageKeys) };
}
