/**
 * The echo's gRPC server: Echo (unary), ServerStream, ClientStream and
 * BidiStream, each answer an EchoAnswer in `message`. The knobs come from
 * x-echo-* metadata (there is no query); a failure is a gRPC status, and
 * every status carries the trailers x-echo-pod and x-echo-version (plus the
 * trailers knob), so a test can see who ended a call that failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import type { EchoAnswer } from './echo-answer.js';
import type { EchoContext } from './echo-http-handler.js';
import { delayOf, EchoKnobError, knobReader, pickCode, readKnobs, type Knobs } from './echo-knobs.js';
import { echoService, metadataAsRecord, type EchoRequestMessage, type EchoResponseMessage } from './echo-proto.js';

type Call = grpc.ServerUnaryCall<EchoRequestMessage, EchoResponseMessage> | grpc.ServerReadableStream<EchoRequestMessage, EchoResponseMessage> | grpc.ServerWritableStream<EchoRequestMessage, EchoResponseMessage> | grpc.ServerDuplexStream<EchoRequestMessage, EchoResponseMessage>;

/** What a call answers: its answers' template and knobs, or the status it fails with. */
type Decision = { answer: EchoAnswer; knobs: Knobs; trailers: grpc.Metadata } | { error: grpc.ServerErrorResponse };

const defaultStreamCount = 3;
const maxStreamCount = 10_000;

export async function listenGrpc(context: EchoContext, port: number): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(echoService().service, {
    Echo: (call: grpc.ServerUnaryCall<EchoRequestMessage, EchoResponseMessage>, callback: grpc.sendUnaryData<EchoResponseMessage>) => {
      void decide(context, port, call, call.request).then((decision) => {
        if ('error' in decision) return callback(decision.error);
        callback(null, reply(context, { ...decision.answer, message: call.request.message }), decision.trailers);
      });
    },
    ServerStream: (call: grpc.ServerWritableStream<EchoRequestMessage, EchoResponseMessage>) => {
      void decide(context, port, call, call.request).then((decision) => {
        if ('error' in decision) return call.emit('error', decision.error);
        const count = Math.min(call.request.count || defaultStreamCount, maxStreamCount);
        for (let sequence = 1; sequence <= count && !call.cancelled; sequence++) call.write(reply(context, { ...decision.answer, message: call.request.message, sequence }));
        call.end(decision.trailers);
      });
    },
    ClientStream: (call: grpc.ServerReadableStream<EchoRequestMessage, EchoResponseMessage>, callback: grpc.sendUnaryData<EchoResponseMessage>) => {
      const messages: string[] = [];
      call.on('data', (request: EchoRequestMessage) => messages.push(request.message));
      call.on('end', () => {
        void decide(context, port, call, undefined).then((decision) => {
          if ('error' in decision) return callback(decision.error);
          callback(null, reply(context, { ...decision.answer, message: messages.join(','), received: messages.length }), decision.trailers);
        });
      });
    },
    BidiStream: (call: grpc.ServerDuplexStream<EchoRequestMessage, EchoResponseMessage>) => {
      const decided = decide(context, port, call, undefined);
      let sequence = 0;
      call.on('data', (request: EchoRequestMessage) => {
        void decided.then((decision) => {
          if (!('error' in decision)) call.write(reply(context, { ...decision.answer, message: request.message, sequence: ++sequence, bodyBytes: Buffer.byteLength(request.message) }));
        });
      });
      call.on('end', () => {
        void decided.then((decision) => ('error' in decision ? call.emit('error', decision.error) : call.end(decision.trailers)));
      });
    },
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`0.0.0.0:${port}`, grpc.ServerCredentials.createInsecure(), (error, actual) => (error ? reject(error) : resolve(actual)));
  });
  return { server, port: bound };
}

function reply(context: EchoContext, answer: EchoAnswer): EchoResponseMessage {
  context.answered(answer);
  return { message: JSON.stringify(answer) };
}

/** The knobs, the request id's attempt and the delay, once per call, before its first answer. */
async function decide(context: EchoContext, port: number, call: Call, request: EchoRequestMessage | undefined): Promise<Decision> {
  const headers = metadataAsRecord(call.metadata);
  const requestId = headers['x-request-id']?.[0];
  const { address, port: clientPort } = splitPeer(call.getPeer());
  const answer: EchoAnswer = {
    ...context.identity,
    port,
    kind: 'grpc',
    protocol: 'HTTP/2',
    method: 'POST',
    path: call.getPath(),
    host: call.getHost(),
    headers,
    clientAddress: address,
    clientPort,
    ...(requestId === undefined ? {} : { requestId, attempt: context.attempts.count(requestId) }),
    bodyBytes: request ? Buffer.byteLength(request.message) : 0,
    status: grpc.status.OK,
  };
  const trailers = new grpc.Metadata();
  trailers.set('x-echo-pod', answer.pod);
  trailers.set('x-echo-version', answer.version);
  const failing = (code: grpc.status, details: string): Decision => {
    context.answered({ ...answer, status: code });
    return { error: Object.assign(new Error(details), { code, details, metadata: trailers }) };
  };

  let knobs: Knobs;
  try {
    knobs = readKnobs(knobReader(undefined, (name) => headers[name]?.[0]));
    if (knobs.failFirst > 0 && requestId === undefined) throw new EchoKnobError('fail_first counts attempts by x-request-id: send one');
    for (const { code } of knobs.codes) if (code > grpc.status.UNAUTHENTICATED) throw new EchoKnobError(`codes: a gRPC code is 0-16, got ${code}`);
  } catch (error) {
    // a call is always answered: anything but a bad knob is the echo's own bug, said as INTERNAL
    return failing(error instanceof EchoKnobError ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL, (error as Error).message);
  }
  for (const [name, value] of knobs.trailers) trailers.add(name, value);
  if (knobs.headers.length > 0) {
    const initial = new grpc.Metadata();
    for (const [name, value] of knobs.headers) initial.add(name, value);
    call.sendMetadata(initial);
  }

  const delayMs = delayOf(knobs, answer.attempt);
  if (delayMs > 0) await sleep(delayMs);
  if (answer.attempt !== undefined && answer.attempt <= knobs.failFirst) {
    const code = grpcCode(knobs.failWith ?? 'UNAVAILABLE');
    if (code === undefined) return failing(grpc.status.INVALID_ARGUMENT, `fail_with is a gRPC code number or name, got ${knobs.failWith}`);
    return failing(code, `the echo fails attempt ${answer.attempt} of ${knobs.failFirst} for ${requestId}`);
  }
  const code = pickCode(knobs.codes, grpc.status.OK);
  if (code !== grpc.status.OK) return failing(code, `the echo answers code ${code} as asked`);
  return { answer, knobs, trailers };
}

/** `14`, `UNAVAILABLE` or `unavailable`. */
function grpcCode(text: string): grpc.status | undefined {
  const byName = (grpc.status as unknown as Record<string, number>)[text.toUpperCase()];
  const code = /^\d+$/.test(text) ? Number(text) : byName;
  return code !== undefined && code >= 0 && code <= grpc.status.UNAUTHENTICATED ? code : undefined;
}

/** grpc-js's `10.0.0.1:4321` (or `[::1]:4321`). */
function splitPeer(peer: string): { address: string; port: number } {
  const colon = peer.lastIndexOf(':');
  if (colon < 0) return { address: peer, port: 0 };
  return { address: peer.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(peer.slice(colon + 1)) };
}
