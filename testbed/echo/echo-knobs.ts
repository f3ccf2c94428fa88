/**
 * The echo's knobs, read per request from the query string (Istio echo's names,
 * where it has one) or from an `x-echo-*` header (the only way on gRPC, whose
 * metadata has no query; and a way for an HTTP test whose route matches on the
 * path). The query wins when both are given. The list is echo-server.ts's header.
 */
import { WeftError } from '../../core/errors.js';

export class EchoKnobError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_TESTBED_ECHO_KNOB', message);
  }
}

/** query name -> header name */
export const knobHeaders = {
  delay: 'x-echo-delay',
  codes: 'x-echo-codes',
  headers: 'x-echo-headers',
  trailers: 'x-echo-trailers',
  fail_first: 'x-echo-fail-first',
  fail_with: 'x-echo-fail-with',
  fail_delay: 'x-echo-fail-delay',
  size: 'x-echo-size',
} as const;

export type KnobName = keyof typeof knobHeaders;

export interface Knobs {
  delayMs: number;
  /** weighted: one is picked at random per request, Istio's `codes=503:1,200:3` */
  codes: Array<{ code: number; weight: number }>;
  /** set on the answer, in order; a name given twice gets both values */
  headers: Array<[string, string]>;
  /** gRPC: trailers added to the status */
  trailers: Array<[string, string]>;
  /** fail the first N requests carrying the same x-request-id */
  failFirst: number;
  /** how they fail: an HTTP status or 'reset' (HTTP), a gRPC code number or name (gRPC) */
  failWith: string | undefined;
  /** the delay of a failing attempt instead of delayMs (echo-basic's delayRetry): retries that time out, then one that does not */
  failDelayMs: number | undefined;
  /** HTTP: answer this many pattern bytes, streamed, instead of the JSON */
  size: number | undefined;
}

const maxDelayMs = 60_000;
const maxSize = 1024 * 1024 * 1024;
const maxFailFirst = 1000;

/** `knob(name)` gives the raw value of a knob, from the query or the header. */
export function readKnobs(knob: (name: KnobName) => string | undefined): Knobs {
  const delay = knob('delay');
  const size = knob('size');
  const failFirst = knob('fail_first');
  const failDelay = knob('fail_delay');
  return {
    delayMs: delay === undefined ? 0 : parseDuration(delay),
    codes: parseCodes(knob('codes')),
    headers: parsePairs('headers', knob('headers')),
    trailers: parsePairs('trailers', knob('trailers')),
    failFirst: failFirst === undefined ? 0 : parseInteger('fail_first', failFirst, 0, maxFailFirst),
    failWith: knob('fail_with'),
    failDelayMs: failDelay === undefined ? undefined : parseDuration(failDelay),
    size: size === undefined ? undefined : parseInteger('size', size, 0, maxSize),
  };
}

/** The knob reader for a request: the query first, then the x-echo-* header. */
export function knobReader(query: URLSearchParams | undefined, header: (name: string) => string | undefined): (name: KnobName) => string | undefined {
  return (name) => query?.get(name) ?? header(knobHeaders[name]);
}

/** How long to wait before answering this attempt: a failing one waits fail_delay where it is given. */
export function delayOf(knobs: Knobs, attempt: number | undefined): number {
  const failing = attempt !== undefined && attempt <= knobs.failFirst;
  return failing ? (knobs.failDelayMs ?? knobs.delayMs) : knobs.delayMs;
}

/** A code from the weighted list, or `fallback` when the list is empty. */
export function pickCode(codes: Knobs['codes'], fallback: number): number {
  const total = codes.reduce((sum, c) => sum + c.weight, 0);
  if (total === 0) return fallback;
  let slice = Math.random() * total;
  for (const { code, weight } of codes) {
    if (slice < weight) return code;
    slice -= weight;
  }
  return codes[codes.length - 1]!.code;
}

/** `250ms`, `1.5s`, or a bare number of milliseconds (Go's durations, the part tests use). */
function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!match) throw new EchoKnobError(`delay must look like 250ms, 1.5s or 250, got ${JSON.stringify(text)}`);
  const ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  if (ms > maxDelayMs) throw new EchoKnobError(`delay is at most ${maxDelayMs} ms, got ${text}`);
  return ms;
}

function parseCodes(text: string | undefined): Knobs['codes'] {
  if (text === undefined || text === '') return [];
  return text.split(',').map((part) => {
    const [code, weight = '1', extra] = part.split(':');
    if (extra !== undefined) throw new EchoKnobError(`codes: want code or code:weight, got ${JSON.stringify(part)}`);
    return { code: parseInteger('codes', code ?? '', 0, 599), weight: parseInteger('codes weight', weight, 0, 1_000_000) };
  });
}

function parsePairs(knob: string, text: string | undefined): Array<[string, string]> {
  if (text === undefined || text === '') return [];
  return text.split(',').map((pair) => {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new EchoKnobError(`${knob}: want name:value, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, colon).trim(), pair.slice(colon + 1).trim()];
  });
}

function parseInteger(knob: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw new EchoKnobError(`${knob} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`);
  return value;
}

/** How many requests carried each x-request-id; the oldest ids are forgotten past a bound. */
export class AttemptCounter {
  readonly #seen = new Map<string, number>();

  constructor(readonly maxIds = 100_000) {}

  /** Counts this request and returns its attempt number, 1 for the first. */
  count(requestId: string): number {
    const attempt = (this.#seen.get(requestId) ?? 0) + 1;
    this.#seen.delete(requestId); // re-inserted last: Map order is the eviction order
    this.#seen.set(requestId, attempt);
    if (this.#seen.size > this.maxIds) this.#seen.delete(this.#seen.keys().next().value!);
    return attempt;
  }
}
