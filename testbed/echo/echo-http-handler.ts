/**
 * The echo's answer to one HTTP request, HTTP/1.1 and HTTP/2 alike: read the
 * body, apply the knobs (echo-knobs.ts), answer the EchoAnswer as JSON, or N
 * streamed pattern bytes, or a failure for the first attempts of a request id.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { patternChunks } from '../byte-pattern.js';
import { headersAsReceived, type EchoAnswer } from './echo-answer.js';
import type { HttpExchange } from './echo-http-listener.js';
import { AttemptCounter, delayOf, EchoKnobError, knobReader, pickCode, readKnobs, type Knobs } from './echo-knobs.js';

export interface EchoIdentity {
  pod: string;
  namespace: string;
  version: string;
}

export interface EchoContext {
  identity: EchoIdentity;
  /** shared by every port and protocol of the process: a retry may come back on another connection */
  attempts: AttemptCounter;
  /** called with every answer given (the --log-requests line) */
  answered: (answer: EchoAnswer) => void;
  warn: (message: string) => void;
}

export async function answerHttp(context: EchoContext, exchange: HttpExchange): Promise<void> {
  const { req, res } = exchange;
  let bodyBytes = 0;
  req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
  await once(req, 'end');

  const headers = headersAsReceived(req.rawHeaders);
  const requestId = headers['x-request-id']?.[0];
  const answer: EchoAnswer = {
    ...context.identity,
    port: exchange.port,
    kind: 'http',
    protocol: exchange.protocol,
    method: req.method ?? '',
    path: req.url ?? '',
    host: exchange.host,
    headers,
    clientAddress: exchange.clientAddress,
    clientPort: exchange.clientPort,
    ...(requestId === undefined ? {} : { requestId, attempt: context.attempts.count(requestId) }),
    requestOnConnection: exchange.requestOnConnection,
    bodyBytes,
    status: 200,
  };

  let knobs: Knobs;
  try {
    knobs = readKnobs(knobReader(new URL(answer.path, 'http://echo').searchParams, (name) => headers[name]?.[0]));
    if (knobs.failFirst > 0 && requestId === undefined) throw new EchoKnobError('fail_first counts attempts by x-request-id: send one');
    for (const { code } of knobs.codes) if (code < 200) throw new EchoKnobError(`codes: an HTTP status is 200-599, got ${code}`);
  } catch (error) {
    if (!(error instanceof EchoKnobError)) throw error;
    return sendJson(context, exchange, { ...answer, status: 400 }, [['x-echo-error', error.message]]);
  }

  const delayMs = delayOf(knobs, answer.attempt);
  if (delayMs > 0) await sleep(delayMs);
  if (answer.attempt !== undefined && answer.attempt <= knobs.failFirst) return fail(context, exchange, answer, knobs.failWith ?? '503');

  answer.status = pickCode(knobs.codes, 200);
  if (knobs.size !== undefined) return sendPattern(context, exchange, answer, knobs);
  return sendJson(context, exchange, answer, knobs.headers);
}

function fail(context: EchoContext, exchange: HttpExchange, answer: EchoAnswer, failWith: string): void {
  if (failWith === 'reset' || failWith === 'reset-connection') {
    context.answered({ ...answer, status: 0 });
    return failWith === 'reset' ? exchange.reset() : exchange.resetConnection();
  }
  const status = Number(failWith);
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    return sendJson(context, exchange, { ...answer, status: 400 }, [['x-echo-error', `fail_with is an HTTP status, reset or reset-connection, got ${failWith}`]]);
  }
  sendJson(context, exchange, { ...answer, status }, []);
}

function sendJson(context: EchoContext, exchange: HttpExchange, answer: EchoAnswer, headers: Array<[string, string]>): void {
  const body = `${JSON.stringify(answer)}\n`;
  setHeaders(exchange, headers);
  exchange.res.setHeader('content-type', 'application/json');
  exchange.res.setHeader('content-length', Buffer.byteLength(body));
  exchange.res.statusCode = answer.status;
  exchange.res.end(body);
  context.answered(answer);
}

/** N bytes of the echo's pattern with backpressure; who answered travels in x-echo-* headers. */
async function sendPattern(context: EchoContext, exchange: HttpExchange, answer: EchoAnswer, knobs: Knobs): Promise<void> {
  const { res } = exchange;
  setHeaders(exchange, [...knobs.headers, ['x-echo-pod', answer.pod], ['x-echo-version', answer.version]]);
  res.setHeader('content-type', 'application/octet-stream');
  res.statusCode = answer.status;
  for (const chunk of patternChunks(`echo:${answer.pod}`, knobs.size ?? 0)) {
    if (res.destroyed) return context.warn(`the client of ${answer.path} went away mid-body`);
    if (!(res as NodeJS.WritableStream).write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  }
  res.end();
  context.answered(answer);
}

/** Repeated names get every value, in order. */
function setHeaders(exchange: HttpExchange, headers: Array<[string, string]>): void {
  const byName = new Map<string, string[]>();
  for (const [name, value] of headers) byName.set(name.toLowerCase(), [...(byName.get(name.toLowerCase()) ?? []), value]);
  for (const [name, values] of byName) exchange.res.setHeader(name, values.length === 1 ? values[0]! : values);
}
