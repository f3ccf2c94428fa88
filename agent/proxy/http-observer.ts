/**
 * Passive HTTP/1.x observation of one proxied connection: a CopyTap that
 * watches the bytes copyDuplex forwards, untouched, and reports each request
 * with its response. Requests and responses are matched first in, first out
 * (HTTP/1.1 pipelining answers in order); 1xx interim responses (100
 * Continue) are skipped; a response to HEAD has no body; after a protocol
 * switch (101, a 2xx to CONNECT) the bytes are no longer HTTP/1 and
 * observation ends. Anything the parser rejects ends observation for the
 * connection with one onError; the copy never notices.
 *
 * A request is reported once both it and its response are complete, or when
 * the connection ends: then a request still waiting for its response is
 * blamed, with Envoy's flags, on the side that failed first (a reset or an
 * error), or if neither failed on the side that closed first: UC for the
 * upstream (status 503 if no response had begun, as Envoy answers), DC for
 * the downstream (status 0: nothing was answered).
 */
import { HTTPParser } from 'http-parser-js';
import type { CopySide, CopyTap } from './copy-duplex.js';
import { sniffHttp1 } from './http-sniff.js';

export type ResponseFlag = '-' | 'UC' | 'DC';

export interface ObservedRequest {
  method: string;
  /** the request target as the client sent it */
  target: string;
  /** Host, or the authority of an absolute-form target */
  authority: string;
  /** the target's path without query string or fragment */
  path: string;
  /** e.g. '1.1' */
  httpVersion: string;
  /** the final response's status (UC: 503 and DC: 0 when no response began) */
  status: number;
  flags: ResponseFlag;
  /** first request byte seen to last response byte seen (to the end of the connection with UC/DC), in ms */
  durationMs: number;
  /** body bytes, without chunked framing */
  requestBodyBytes: number;
  responseBodyBytes: number;
  traceparent?: string;
  baggage?: string;
}

export interface HttpObserverOptions {
  onRequest(request: ObservedRequest): void;
  /** the parser gave up on this connection; nothing more is reported for it */
  onError(error: Error, side: CopySide): void;
  /** ms clock; performance.now by default */
  now?: () => number;
}

/** Requests in flight (pipelined, unanswered) before observation gives up on a connection. */
export const maxRequestsInFlight = 100;
/** Client bytes held while an upgrade's answer is awaited, before observation gives up. */
export const maxHeldBytes = 64 * 1024;

interface OpenRequest {
  method: string;
  target: string;
  host: string | undefined;
  httpVersion: string;
  startedAt: number;
  endedAt: number;
  status: number | undefined;
  upgrade: boolean;
  requestComplete: boolean;
  responseComplete: boolean;
  requestBodyBytes: number;
  responseBodyBytes: number;
  traceparent: string | undefined;
  baggage: string | undefined;
}

type Parser = InstanceType<typeof HTTPParser>;

/** http-parser-js has no public way to say whether a message has begun; its state does. */
function idle(parser: Parser): boolean {
  const internals = parser as unknown as { state: string; line: string };
  return internals.state === 'REQUEST_LINE' && internals.line === '';
}

export class HttpObserver implements CopyTap {
  #mode: 'sniffing' | 'observing' | 'off' = 'sniffing';
  readonly #options: HttpObserverOptions;
  readonly #now: () => number;
  readonly #requests: Parser = new HTTPParser(HTTPParser.REQUEST);
  readonly #responses: Parser = new HTTPParser(HTTPParser.RESPONSE);
  /** reported in order of completion; the first without a complete response is the one being answered */
  #open: OpenRequest[] = [];
  /** the request whose bytes the client is sending */
  #receiving: OpenRequest | undefined;
  #responding: OpenRequest | undefined;
  #interim = false;
  #sniffed: Buffer[] = [];
  #firstByteAt = 0;
  /** when the request the parser is in (or the next one) began */
  #requestStart = 0;
  #downstreamAt = 0;
  #upstreamAt = 0;
  /** client bytes that came after an upgrade request, until its answer says whether they are still HTTP/1 */
  #held: Array<{ chunk: Buffer; at: number }> | undefined;
  #heldBytes = 0;
  #releaseHeld = false;
  #firstEnded: { side: CopySide; at: number } | undefined;
  #firstFailed: { side: CopySide; at: number } | undefined;
  #ended = 0;

  constructor(options: HttpObserverOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#requests[HTTPParser.kOnHeadersComplete] = (info) => {
      if (this.#open.length >= maxRequestsInFlight) throw new Error(`more than ${maxRequestsInFlight} requests in flight`);
      const request: OpenRequest = {
        method: HTTPParser.methods[info.method] ?? 'UNKNOWN',
        target: info.url,
        host: header(info.headers, 'host'),
        httpVersion: `${info.versionMajor}.${info.versionMinor}`,
        startedAt: this.#requestStart,
        endedAt: this.#requestStart,
        status: undefined,
        upgrade: info.upgrade,
        requestComplete: false,
        responseComplete: false,
        requestBodyBytes: 0,
        responseBodyBytes: 0,
        traceparent: header(info.headers, 'traceparent'),
        baggage: header(info.headers, 'baggage'),
      };
      this.#open.push(request);
      this.#receiving = request;
      // What the client sends next is HTTP/1 only if the server declines the upgrade.
      if (info.upgrade) this.#held = [];
    };
    this.#requests[HTTPParser.kOnBody] = (_chunk, _offset, length) => {
      if (this.#receiving) this.#receiving.requestBodyBytes += length;
    };
    this.#requests[HTTPParser.kOnMessageComplete] = () => {
      const request = this.#receiving;
      if (this.#mode !== 'observing' || !request) return;
      this.#receiving = undefined;
      request.requestComplete = true;
      // A next request in the rest of this chunk began now; if it begins in a later chunk, that chunk says when.
      this.#requestStart = this.#downstreamAt;
      if (request.responseComplete) this.#report(request, '-');
    };

    this.#responses[HTTPParser.kOnHeadersComplete] = (info) => {
      const status = info.statusCode;
      if (status >= 100 && status < 200 && status !== 101) {
        this.#interim = true;
        return;
      }
      const request = this.#open.find((open) => !open.responseComplete);
      if (!request) throw new Error(`a ${status} response to no request`);
      this.#responding = request;
      request.status = status;
      if (status === 101 || (request.method === 'CONNECT' && status >= 200 && status < 300)) {
        // Switched protocols: what follows either way is not HTTP/1.
        request.responseComplete = request.requestComplete = true;
        request.endedAt = this.#upstreamAt;
        this.#report(request, '-');
        this.#stop();
        return 2; // no body, and stop parsing this chunk
      }
      if (request.upgrade) this.#releaseHeld = true;
      return request.method === 'HEAD' ? 1 : undefined; // 1: skip the body
    };
    this.#responses[HTTPParser.kOnBody] = (_chunk, _offset, length) => {
      if (!this.#interim && this.#responding) this.#responding.responseBodyBytes += length;
    };
    this.#responses[HTTPParser.kOnMessageComplete] = () => {
      if (this.#mode !== 'observing') return;
      if (this.#interim) {
        this.#interim = false;
        return;
      }
      const request = this.#responding;
      if (!request) return;
      this.#responding = undefined;
      request.responseComplete = true;
      request.endedAt = this.#upstreamAt;
      if (request.requestComplete) this.#report(request, '-');
    };
  }

  /** Whether this connection is (still) being observed as HTTP/1. */
  get observing(): boolean {
    return this.#mode === 'observing';
  }

  data(side: CopySide, chunk: Buffer): void {
    if (this.#mode === 'off') return;
    const at = this.#now();
    if (side === 'upstream') {
      // A server that speaks first is no HTTP/1 server.
      if (this.#mode === 'sniffing') this.#mode = 'off';
      if (this.#mode !== 'observing') return;
      this.#upstreamAt = at;
      this.#execute(this.#responses, chunk, 'upstream');
      if (this.#releaseHeld) this.#release();
      return;
    }
    if (this.#mode === 'sniffing') {
      if (this.#sniffed.length === 0) this.#firstByteAt = at;
      this.#sniffed.push(chunk);
      const head = Buffer.concat(this.#sniffed);
      const verdict = sniffHttp1(head);
      if (verdict === 'undecided') return;
      this.#sniffed = [];
      if (verdict === 'other') {
        this.#mode = 'off';
        return;
      }
      this.#mode = 'observing';
      this.#feedRequests(head, this.#firstByteAt);
      return;
    }
    if (this.#mode === 'observing') this.#feedRequests(chunk, at);
  }

  ended(side: CopySide, clean: boolean): void {
    const at = this.#now();
    this.#firstEnded ??= { side, at };
    if (!clean) this.#firstFailed ??= { side, at };
    if (this.#mode === 'observing' && clean) {
      // EOF ends a response that runs until close; a truncated one stays incomplete.
      const parser = side === 'upstream' ? this.#responses : this.#requests;
      try {
        parser.finish();
      } catch {
        // incomplete at EOF: judged below, when both sides are done
      }
    }
    if (++this.#ended === 2) this.#close();
  }

  #feedRequests(chunk: Buffer, at: number): void {
    if (this.#held) {
      this.#hold(chunk, at);
      return;
    }
    this.#downstreamAt = at;
    if (idle(this.#requests)) this.#requestStart = at;
    const parsed = this.#execute(this.#requests, chunk, 'downstream');
    // An upgrade request ended the parse; the rest waits for the server's answer.
    if (parsed !== undefined && this.#held && parsed < chunk.length) this.#hold(chunk.subarray(parsed), at);
  }

  #hold(chunk: Buffer, at: number): void {
    this.#heldBytes += chunk.length;
    if (this.#heldBytes > maxHeldBytes) {
      this.#fail(new Error(`more than ${maxHeldBytes} bytes from the client before the answer to its upgrade`), 'downstream');
      return;
    }
    this.#held!.push({ chunk, at });
  }

  /** The server declined the upgrade: the held bytes are HTTP/1 after all. */
  #release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#heldBytes = 0;
    this.#releaseHeld = false;
    for (const { chunk, at } of held) {
      if (this.#mode !== 'observing') return;
      this.#feedRequests(chunk, at);
    }
  }

  /** The bytes the parser consumed, or undefined when observation ended on the way. */
  #execute(parser: Parser, chunk: Buffer, side: CopySide): number | undefined {
    let result: number | Error;
    try {
      result = parser.execute(chunk);
    } catch (error) {
      result = error instanceof Error ? error : new Error(String(error));
    }
    if (this.#mode !== 'observing') return undefined;
    if (result instanceof Error) {
      this.#fail(result, side);
      return undefined;
    }
    return result;
  }

  #close(): void {
    if (this.#mode === 'observing') {
      const culprit = this.#firstFailed ?? this.#firstEnded;
      const blamed: ResponseFlag = culprit?.side === 'upstream' ? 'UC' : 'DC';
      for (const request of [...this.#open]) {
        if (request.responseComplete) {
          this.#report(request, '-');
        } else {
          request.status ??= blamed === 'UC' ? 503 : 0;
          request.endedAt = culprit?.at ?? this.#now();
          this.#report(request, blamed);
        }
      }
    }
    this.#stop();
  }

  #report(request: OpenRequest, flags: ResponseFlag): void {
    this.#open = this.#open.filter((open) => open !== request);
    const { authority, path } = splitTarget(request.method, request.target, request.host);
    this.#options.onRequest({
      method: request.method,
      target: request.target,
      authority,
      path,
      httpVersion: request.httpVersion,
      status: request.status ?? 0,
      flags,
      durationMs: Math.max(0, request.endedAt - request.startedAt),
      requestBodyBytes: request.requestBodyBytes,
      responseBodyBytes: request.responseBodyBytes,
      ...(request.traceparent !== undefined ? { traceparent: request.traceparent } : {}),
      ...(request.baggage !== undefined ? { baggage: request.baggage } : {}),
    });
  }

  #fail(error: Error, side: CopySide): void {
    this.#stop();
    this.#options.onError(error, side);
  }

  #stop(): void {
    this.#mode = 'off';
    this.#open = [];
    this.#receiving = this.#responding = undefined;
    this.#held = undefined;
    this.#sniffed = [];
  }
}

/** A header's value from the parser's flat [name, value, ...] list; repeated ones joined as HTTP allows. */
function header(headers: string[], name: string): string | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === name) values.push(headers[i + 1]!);
  }
  return values.length === 0 ? undefined : values.join(', ');
}

function splitTarget(method: string, target: string, host: string | undefined): { authority: string; path: string } {
  if (target.startsWith('/')) return { authority: host ?? '', path: target.split(/[?#]/, 1)[0]! };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      return { authority: url.host, path: url.pathname };
    } catch {
      // not a URL after all: reported as sent
    }
  }
  if (method === 'CONNECT') return { authority: target, path: '' };
  return { authority: host ?? '', path: target };
}
