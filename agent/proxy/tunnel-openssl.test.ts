/** The inbound listener as a stock TLS client sees it: `openssl s_client` against 127.0.0.1. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tunnelServerName } from './hbone.js';
import { eventually, identity, startTestbed } from './testing/tunnel-testbed.js';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

/** s_client with stdin held open for a moment, so it reads what the server says after the handshake. */
async function sClient(port: number, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-verify_return_error', '-showcerts', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const hangUp = setTimeout(() => child.stdin.end(), 500);
  const kill = setTimeout(() => child.kill(), 5_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(hangUp);
  clearTimeout(kill);
  return { code, out };
}

test('openssl s_client: with a workload certificate and ALPN h2 the handshake completes; without one it is refused', { skip: !haveOpenssl && 'no openssl' }, async (t) => {
  const bed = await startTestbed();
  const dir = mkdtempSync(join(tmpdir(), 'weft-openssl-'));
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await bed.close();
  });
  const credential = await bed.ca.issue(identity('productpage'));
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  const cert = file('cert.pem', credential.certChainPem);
  const key = file('key.pem', credential.keyPem);
  const ca = file('ca.pem', bed.ca.rootPem);
  const { port } = bed.inbound.address();
  const common = ['-servername', tunnelServerName(bed.workloads.reviews.ip), '-alpn', 'h2', '-CAfile', ca];

  const good = await sClient(port, [...common, '-cert', cert, '-key', key]);
  assert.equal(good.code, 0, good.out);
  assert.match(good.out, /Certificate chain\n 0 s:O = cluster.local, OU = shop, CN = reviews/);
  assert.match(good.out, /ALPN protocol: h2/);
  assert.match(good.out, /New, TLSv1\.3/);
  assert.match(good.out, /Verify return code: 0 \(ok\)/);
  await eventually(() => bed.inboundLog.some((l) => l.msg === 'inbound tunnel session accepted'));
  const accepted = bed.inboundLog.find((l) => l.msg === 'inbound tunnel session accepted')!;
  assert.equal((accepted.src as { principal: string }).principal, 'spiffe://cluster.local/ns/shop/sa/productpage');

  const bare = await sClient(port, common);
  assert.notEqual(bare.code, 0, bare.out);
  // Node 20 let OpenSSL's certificate_required alert out before the socket closed; Node 24 closes
  // it first, so s_client may see the bare EOF instead. Either way no session is established.
  assert.match(bare.out, /alert certificate required|unexpected eof while reading/);
  assert.doesNotMatch(bare.out, /Verify return code: 0 \(ok\)\n[\s\S]*read R BLOCK/);
  await eventually(() => bed.inboundLog.some((l) => l.msg === 'inbound tunnel refused'));
  assert.match(String(bed.inboundLog.find((l) => l.msg === 'inbound tunnel refused')!.detail), /peer did not return a certificate/);

  // A valid certificate but no ALPN: TLS completes, and the listener drops what is not HTTP/2.
  const noAlpn = await sClient(port, ['-servername', tunnelServerName(bed.workloads.reviews.ip), '-CAfile', ca, '-cert', cert, '-key', key]);
  assert.match(noAlpn.out, /No ALPN negotiated/);
  await eventually(() => bed.inboundLog.some((l) => l.reason === 'tunnel_not_http2'));

  // No SNI: there is no default certificate, so the handshake fails.
  const noSni = await sClient(port, ['-noservername', '-alpn', 'h2', '-CAfile', ca, '-cert', cert, '-key', key]);
  assert.notEqual(noSni.code, 0, noSni.out);
  assert.match(noSni.out, /alert handshake failure/);
  assert.match(noSni.out, /no peer certificate available/);
});
