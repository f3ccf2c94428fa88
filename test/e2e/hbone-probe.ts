/**
 * A stand-alone HBONE client for the e2e tests, run inside a node's network
 * namespace: it plays a peer node proxy with whatever certificate the test
 * hands it (valid, foreign, expired, none), so the test can see what the
 * real inbound listener lets through. One attempt, bounded in time:
 *
 *   node hbone-probe.js --address 10.10.0.2 --port 15008 --sni 10-244-2-10.ipv4.hbone.weft
 *     --authority 10.244.2.10:7000 --ca root.pem [--cert c.pem --key k.pem]
 *     [--expect spiffe://cluster.local/ns/default/sa/echo-2] [--timeout-ms 5000]
 *
 * mTLS 1.3 with ALPN h2 to the address, then one CONNECT for the authority.
 * Prints one JSON line and exits 0 whatever the outcome (a usage error exits 2):
 *   handshake  our side of the TLS handshake finished (with TLS 1.3 that happens
 *              before the server has judged our certificate)
 *   alpn       the protocol the server chose
 *   peer       the URI SANs of the server's certificate
 *   status     the CONNECT's :status, null when none came
 *   hello      with 200: the first line the destination pod wrote (a hello-echo server's hello)
 *   error      the first thing that went wrong, null when nothing did
 */
import { connect, constants, type ClientHttp2Stream } from 'node:http2';
import { readFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import { parseArgs } from 'node:util';

interface ProbeResult {
  handshake: boolean;
  alpn: string | null;
  peer: string[] | null;
  status: number | null;
  hello: unknown;
  error: string | null;
}

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    port: { type: 'string', default: '15008' },
    sni: { type: 'string' },
    authority: { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    expect: { type: 'string' },
    'timeout-ms': { type: 'string', default: '5000' },
  },
});

if (!values.address || !values.sni || !values.authority || !values.ca || Boolean(values.cert) !== Boolean(values.key)) {
  process.stderr.write('usage: hbone-probe --address IP [--port N] --sni NAME --authority IP:PORT --ca FILE [--cert FILE --key FILE] [--expect SPIFFE-ID] [--timeout-ms N]\n');
  process.exit(2);
}

const timeoutMs = Number(values['timeout-ms']);
const result: ProbeResult = { handshake: false, alpn: null, peer: null, status: null, hello: null, error: null };

function uriSans(certificate: PeerCertificate): string[] {
  return (certificate.subjectaltname ?? '')
    .split(', ')
    .filter((name) => name.startsWith('URI:'))
    .map((name) => name.slice('URI:'.length));
}

let finished = false;
function finish(error?: unknown): void {
  if (finished) return;
  finished = true;
  if (error !== undefined && result.error === null) result.error = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Whatever is still open (a session the server never closed) must not keep the probe alive.
  setImmediate(() => process.exit(0));
}

const timer = setTimeout(() => finish(new Error(`no outcome within ${timeoutMs} ms`)), timeoutMs);
timer.unref();

const session = connect(`https://${values.address}:${values.port}`, {
  servername: values.sni,
  ca: readFileSync(values.ca),
  ...(values.cert ? { cert: readFileSync(values.cert), key: readFileSync(values.key!) } : {}),
  minVersion: 'TLSv1.3',
  maxVersion: 'TLSv1.3',
  // The SNI is not a DNS name the certificate carries: the server proves a SPIFFE ID instead.
  checkServerIdentity: (_host, certificate) => {
    result.peer = uriSans(certificate);
    if (values.expect && !result.peer.includes(values.expect)) {
      return new Error(`the server is ${result.peer.join(', ') || 'no SPIFFE ID'}, not ${values.expect}`);
    }
    return undefined;
  },
});
session.on('connect', () => {
  result.handshake = true;
  result.alpn = session.alpnProtocol ?? null;
});
session.on('error', (error) => finish(error));
session.on('close', () => finish(result.status === null ? new Error('the session closed before the CONNECT was answered') : undefined));

let stream: ClientHttp2Stream;
try {
  stream = session.request({ ':method': 'CONNECT', ':authority': values.authority }, { endStream: false });
} catch (error) {
  finish(error);
  throw error;
}
stream.on('error', (error) => finish(error));
stream.on('close', () => {
  if (result.status === null) finish(new Error(`the CONNECT stream closed unanswered (code ${stream.rstCode ?? 'none'})`));
});
stream.on('response', (headers) => {
  result.status = Number(headers[':status']);
  if (result.status !== 200) {
    finish();
    return;
  }
  // The tunnel now carries the pod's bytes: its first line proves the pod itself answered.
  let buffered = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const newline = buffered.indexOf(0x0a);
    if (newline < 0 && buffered.length < 4096) return;
    try {
      result.hello = JSON.parse(buffered.subarray(0, newline < 0 ? buffered.length : newline).toString('utf8'));
    } catch {
      result.hello = buffered.toString('utf8');
    }
    stream.close(constants.NGHTTP2_NO_ERROR);
    session.close();
    finish();
  });
});
