/**
 * Every WEFT_ERR_* code belongs to one error class, across the whole tree
 * (agent/errors.ts and each domain folder's own errors), as the style asks.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { installRoot } from '../../core/paths.js';
import * as identityErrors from '../../agent/identity/identity-errors.js';
import { WeftError } from '../../core/errors.js';
import * as caErrors from '../../control-plane/ca/ca-errors.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'dist', 'generated'].includes(entry.name) ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

test('the CA and identity errors have their own stable codes', () => {
  const samples: WeftError[] = [
    new caErrors.CaMaterialError('x'),
    new caErrors.CsrRejectedError('x'),
    new caErrors.CertificateDeniedError('x'),
    new caErrors.NodeAuthError(16, 'x'),
    new caErrors.NodeTokenStoreError('x'),
    new caErrors.CaKubernetesError('x'),
    new identityErrors.NoCredentialError('spiffe://x/ns/a/sa/b', 'x'),
    new identityErrors.CaRequestError(14, 'x'),
    new identityErrors.IssuedCertificateError('x'),
    new identityErrors.NodeTokenFileError('f', 'x'),
    new identityErrors.ControlPlaneTlsError('x'),
  ];
  const exported = [...Object.values(caErrors), ...Object.values(identityErrors)].filter((value) => typeof value === 'function' && value.prototype instanceof WeftError);
  assert.equal(samples.length, exported.length, 'a new error class needs a sample here');
  const codes = samples.map((error) => error.code);
  assert.ok(codes.every((code) => /^WEFT_ERR_[A-Z0-9_]+$/.test(code)));
  assert.equal(new Set(codes).size, codes.length);
});

test('no WEFT_ERR_ code is given by two error classes anywhere in the tree', () => {
  const owners = new Map<string, string[]>();
  for (const file of ['core', 'model', 'api', 'native', 'agent', 'control-plane', 'cli', 'testbed'].flatMap((floor) => sources(join(installRoot, floor)))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/super\(\s*'(WEFT_ERR_[A-Z0-9_]+)'/g)) {
      owners.set(match[1]!, [...(owners.get(match[1]!) ?? []), file.slice(installRoot.length + 1)]);
    }
  }
  assert.ok(owners.size > 10);
  const shared = [...owners].filter(([, files]) => files.length > 1);
  assert.deepEqual(shared, []);
});
