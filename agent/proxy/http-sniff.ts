/**
 * Is this connection HTTP/1.x? Decided from the first bytes the client
 * sends: an HTTP/1 request line starts with a method token and a space.
 * TLS (0x16...), the HTTP/2 preface (`PRI * HTTP/2.0`, PRI is no HTTP/1
 * method) and anything else are not, and stay plain TCP to the proxy.
 */
import { HTTPParser } from 'http-parser-js';

export type SniffResult = 'http1' | 'other' | 'undecided';

/** The methods the parser knows (it refuses any other), each followed by its space. */
const requestLineStarts = HTTPParser.methods.map((method) => Buffer.from(`${method} `, 'latin1'));
/** Bytes it takes to decide: the longest method and its space. */
export const sniffBytes = Math.max(...requestLineStarts.map((start) => start.length));

/** `undecided` while `head` is a strict prefix of some method and its space. */
export function sniffHttp1(head: Buffer): SniffResult {
  let undecided = false;
  for (const start of requestLineStarts) {
    const length = Math.min(head.length, start.length);
    if (head.subarray(0, length).equals(start.subarray(0, length))) {
      if (head.length >= start.length) return 'http1';
      undecided = true;
    }
  }
  if (head.length === 0) return 'undecided';
  return undecided ? 'undecided' : 'other';
}
