/**
 * Node bootstrap tokens: `weft token create|list|revoke` against a state
 * directory, what is stored (hashes only, mode 0600), and the agent-side
 * token file being re-read when it changes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NodeTokenSource } from '../../agent/identity/node-token.js';
import { NodeTokenFileError } from '../../agent/identity/identity-errors.js';
import { installRoot } from '../../core/paths.js';
import { x509 } from '../../core/x509.js';
import { bearerToken } from '../../control-plane/auth/node-authenticator.js';
import { hashToken, NodeTokenFile, tokenFileName, tokenId } from '../../control-plane/auth/node-tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-tokens-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const weft = (...args: string[]) => execFileSync(process.execPath, [join(installRoot, 'bin', 'weft.js'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('weft token create prints a token once; only its hash is stored, in a 0600 file', () => {
  const stateDir = join(dir, 'cli');
  const token = weft('token', 'create', '--node', 'node-1', '--state-dir', stateDir).trim();
  assert.match(token, /^weft1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(token.split('.')[2]!, 'base64url').length, 32, '32 random bytes');
  const file = join(stateDir, tokenFileName);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const stored = readFileSync(file, 'utf8');
  assert.ok(!stored.includes(token.split('.')[2]!), 'the secret is not stored');
  assert.ok(stored.includes(hashToken(token)));

  const second = weft('token', 'create', '--node', 'node-2', '--state-dir', stateDir, '--output', join(dir, 'node-2.token'), '--bundle-out', join(dir, 'bundle.pem'));
  assert.equal(second, '', 'with --output nothing secret is printed');
  assert.equal(statSync(join(dir, 'node-2.token')).mode & 0o777, 0o600);
  assert.equal(new x509.X509Certificate(readFileSync(join(dir, 'bundle.pem'), 'utf8')).subject, 'CN=weft root CA', '--bundle-out writes the root');
  assert.equal(readFileSync(join(dir, 'bundle.pem'), 'utf8'), readFileSync(join(stateDir, 'ca', 'root-cert.pem'), 'utf8'), 'the root the control plane will use');

  const listed = JSON.parse(weft('token', 'list', '--state-dir', stateDir, '--json')) as Array<{ id: string; node: string }>;
  assert.deepEqual(listed.map((t) => t.node), ['node-1', 'node-2']);
  assert.equal(listed[0]!.id, tokenId(token));
  assert.ok(!JSON.stringify(listed).includes('sha256'));

  assert.match(weft('token', 'revoke', '--id', tokenId(token)!, '--state-dir', stateDir), new RegExp(`revoked ${tokenId(token)} \\(node node-1\\)`));
  assert.deepEqual((JSON.parse(weft('token', 'list', '--state-dir', stateDir, '--json')) as Array<{ node: string }>).map((t) => t.node), ['node-2']);
  assert.throws(() => weft('token', 'revoke', '--node', 'node-9', '--state-dir', stateDir), /no token for node node-9/);
  assert.throws(() => weft('token', 'create', '--node', 'Not_A_Node', '--state-dir', stateDir), /node/);
});

test('the token file API: several tokens per node, revoke by node', async () => {
  const file = new NodeTokenFile(join(dir, 'api'));
  assert.deepEqual(await file.list(), []);
  const a = await file.create('node-1');
  const b = await file.create('node-1');
  assert.notEqual(a.token, b.token);
  assert.equal((await file.list()).length, 2);
  assert.equal((await file.revoke({ node: 'node-1' })).length, 2);
  assert.deepEqual(await file.list(), []);
});

test('the agent re-reads its token file when it changes, and sends it as a bearer token', () => {
  const path = join(dir, 'agent.token');
  const source = new NodeTokenSource(path);
  assert.throws(() => source.token(), NodeTokenFileError);
  writeFileSync(path, 'weft1.00000001.first\n');
  assert.equal(bearerToken(source.metadata()), 'weft1.00000001.first');
  writeFileSync(path, 'weft1.00000002.second-and-longer\n');
  assert.equal(source.token(), 'weft1.00000002.second-and-longer');
  writeFileSync(path, '');
  assert.throws(() => source.token(), /must hold one token/);
});
