/**
 * The gRPC echo client, run inside a pod by grpc-echo.ts: one @grpc/grpc-js
 * channel, the plan's calls on it (several unary calls one after another, or
 * one streaming call), then one JSON line with every call's status, initial
 * metadata, trailers and answers, and exit.
 *
 *   node grpc-echo-client.js --plan '{"target":"10.244.2.10:7070","call":"unary","count":20}'
 *
 * Bounded: every call has a deadline, and the process a hard one.
 */
import * as grpc from '@grpc/grpc-js';
import { parseArgs } from 'node:util';
import { parseEchoAnswer, type EchoAnswer } from './echo-answer.js';
import { echoService, metadataAsRecord, type EchoRequestMessage, type EchoResponseMessage } from './echo-proto.js';
import { defaultDeadlineMs, type GrpcCallResult, type GrpcEchoPlan, type GrpcEchoReport } from './grpc-echo-plan.js';

const { values } = parseArgs({ options: { plan: { type: 'string' }, run: { type: 'string' } } });
const plan = JSON.parse(values.plan ?? '{}') as GrpcEchoPlan;
const maxCount = 100_000;

type Client = grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientUnaryCall & grpc.ClientReadableStream<EchoResponseMessage> & grpc.ClientWritableStream<EchoRequestMessage>>;

function metadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [name, values] of Object.entries(plan.metadata ?? {})) for (const value of Array.isArray(values) ? values : [values]) md.add(name, value);
  return md;
}

/** One call, whichever its kind: writes what the plan says, collects answers, resolves on the status. */
function call(client: Client, index: number): Promise<GrpcCallResult> {
  const started = performance.now();
  const deadline = new Date(Date.now() + (plan.deadlineMs ?? defaultDeadlineMs));
  const count = Math.min(plan.count ?? 3, maxCount);
  const request = (n: number): EchoRequestMessage => ({ message: `${plan.message ?? 'hello'}-${index}-${n}`, count });
  const answers: EchoAnswer[] = [];
  let headers: Record<string, string[]> = {};
  const onAnswer = (response: EchoResponseMessage | undefined): void => {
    const answer = response ? parseEchoAnswer(response.message) : undefined;
    if (answer) answers.push(answer);
  };
  return new Promise((resolve) => {
    let stream: grpc.ClientUnaryCall;
    const options = { deadline };
    if (plan.call === 'unary') stream = client.Echo!(request(1), metadata(), options, (_error: unknown, response: EchoResponseMessage) => onAnswer(response));
    else if (plan.call === 'client-stream') stream = client.ClientStream!(metadata(), options, (_error: unknown, response: EchoResponseMessage) => onAnswer(response));
    else if (plan.call === 'server-stream') stream = client.ServerStream!(request(1), metadata(), options);
    else stream = client.BidiStream!(metadata(), options);
    const readable = stream as unknown as grpc.ClientReadableStream<EchoResponseMessage>;
    if (plan.call === 'server-stream' || plan.call === 'bidi') readable.on('data', onAnswer);
    readable.on('error', () => {}); // the status below reports it
    if (plan.call === 'client-stream' || plan.call === 'bidi') {
      const writable = stream as unknown as grpc.ClientWritableStream<EchoRequestMessage>;
      for (let n = 1; n <= count; n++) writable.write(request(n));
      writable.end();
    }
    stream.on('metadata', (md: grpc.Metadata) => (headers = metadataAsRecord(md)));
    stream.on('status', (status: grpc.StatusObject) => {
      // a unary answer's callback runs after 'status': let it land first
      setImmediate(() =>
        resolve({
          code: status.code,
          codeName: grpc.status[status.code] ?? String(status.code),
          details: status.details,
          headers,
          trailers: metadataAsRecord(status.metadata),
          answers,
          elapsedMs: performance.now() - started,
        }),
      );
    });
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const options: grpc.ChannelOptions = plan.authority ? { 'grpc.default_authority': plan.authority } : {};
  const Service = echoService();
  const client = new Service(plan.target, grpc.credentials.createInsecure(), options) as unknown as Client;
  const calls: GrpcCallResult[] = [];
  const times = plan.call === 'unary' ? Math.min(plan.count ?? 1, maxCount) : 1;
  for (let index = 1; index <= times; index++) calls.push(await call(client, index));
  client.close();
  const byPod: Record<string, number> = {};
  for (const answer of calls.flatMap((c) => c.answers)) byPod[answer.pod] = (byPod[answer.pod] ?? 0) + 1;
  const report: GrpcEchoReport = { calls, byPod, elapsedMs: performance.now() - started };
  // Resolved once written: process.exit right after a write into a pipe drops what the pipe has
  // not taken yet (a 500-call report is larger than the pipe's buffer).
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify({ msg: 'grpc client done', ...report })}\n`, () => resolve()));
}

const hardDeadline = setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ msg: 'grpc client failed', error: 'the hard deadline passed' })}\n`);
  process.exit(2);
}, (plan.deadlineMs ?? defaultDeadlineMs) * Math.min(plan.call === 'unary' ? (plan.count ?? 1) : 1, 1000) + 5_000);
hardDeadline.unref();
main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stdout.write(`${JSON.stringify({ msg: 'grpc client failed', error: error.message })}\n`);
    process.exit(1);
  },
);
