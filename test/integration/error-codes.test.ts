/**
 * Every WEFT_ERR_* code has one owner across the whole tree: one error class
 * (core/errors.ts holds the base; each domain its own `*-errors.ts`), the
 * native addon's C++ (native/src, surfaced as BpfError), or one file that sets
 * it ad hoc. The owners are read from the sources (error-code-owners.ts); the
 * samples below check the classes' codes at run time as well.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { installRoot } from '../../core/paths.js';
import * as configCacheErrors from '../../agent/config-cache/config-cache-errors.js';
import * as routeErrors from '../../agent/http/route-errors.js';
import * as identityErrors from '../../agent/identity/identity-errors.js';
import * as proxyErrors from '../../agent/proxy/proxy-errors.js';
import * as tunnelErrors from '../../agent/proxy/tunnel-errors.js';
import * as systemErrors from '../../agent/system/system-errors.js';
import * as apiErrors from '../../api/api-errors.js';
import { WeftError } from '../../core/errors.js';
import * as caErrors from '../../control-plane/ca/ca-errors.js';
import * as serverErrors from '../../control-plane/server/server-errors.js';
import * as fileSourceErrors from '../../control-plane/sources/file-source-errors.js';
import * as authzCheckErrors from '../../cli/authz/authz-check-errors.js';
import * as kubernetesErrors from '../../control-plane/sources/kubernetes-errors.js';
import * as bpfErrors from '../../native/bpf-error.js';
import { codeUses, ownersByCode, sharedCodes } from './error-code-owners.js';

/** Every floor with production code (a test names codes without owning them). */
const floors = ['core', 'model', 'api', 'native', 'agent', 'control-plane', 'cli', 'testbed', 'bench'] as const;

test('the domain error classes have their own stable codes', () => {
  const samples: WeftError[] = [
    new caErrors.CaMaterialError('x'),
    new caErrors.CsrRejectedError('x'),
    new caErrors.CertificateDeniedError('x'),
    new caErrors.NodeAuthError(16, 'x'),
    new caErrors.NodeTokenStoreError('x'),
    new caErrors.CaKubernetesError('x'),
    new configCacheErrors.ConfigCacheError('/x', 'x'),
    new identityErrors.NoCredentialError('spiffe://x/ns/a/sa/b', 'x'),
    new identityErrors.CaRequestError(14, 'x'),
    new identityErrors.IssuedCertificateError('x'),
    new identityErrors.NodeTokenFileError('f', 'x'),
    new identityErrors.ControlPlaneTlsError('x'),
    new systemErrors.PrivilegeError('x'),
    new systemErrors.PortInUseError(15020, 'x', undefined),
    new proxyErrors.ConnectionRefusedError('unknown_destination', 'x'),
    new routeErrors.PrefixNotMatchedError('x'),
    new tunnelErrors.PeerIdentityError('x'),
    new tunnelErrors.TunnelConnectError('x', 'x'),
    new tunnelErrors.TunnelRefusedError('x', 403, 'x'),
    new tunnelErrors.InboundRefusedError('tunnel_bad_request', 400, 'x'),
    new tunnelErrors.DialSessionClosedError(),
    new apiErrors.ResourceRejectedError('Service/x/y', 'x'),
    new apiErrors.ResourceRegistryError('x'),
    new apiErrors.DiscoveryProtocolError('x'),
    new serverErrors.ControlPlaneListenError('unix:/x', 'x'),
    new fileSourceErrors.ConfigError('x'),
    new kubernetesErrors.KubernetesSourceError('x'),
    new kubernetesErrors.KubernetesApiError(410, 'Expired', 'x'),
    new bpfErrors.BpfError({ message: 'x' }),
    new bpfErrors.NativeAddonMissingError('/x.node', new Error('x')),
    new authzCheckErrors.AuthzCheckUsageError('x'),
  ];
  const modules = [caErrors, configCacheErrors, identityErrors, systemErrors, proxyErrors, routeErrors, tunnelErrors, apiErrors, serverErrors, fileSourceErrors, kubernetesErrors, bpfErrors, authzCheckErrors];
  const exported = modules.flatMap((module) => Object.values(module)).filter((value) => typeof value === 'function' && value.prototype instanceof WeftError);
  assert.equal(samples.length, exported.length, 'a new error class needs a sample here');
  const codes = samples.map((error) => error.code);
  assert.ok(codes.every((code) => /^WEFT_ERR_[A-Z0-9_]+$/.test(code)));
  assert.equal(new Set(codes).size, codes.length);
  // What the scan below reads from the sources is what the classes give at run time.
  const owners = ownersByCode(codeUses(installRoot, floors));
  for (const error of samples) {
    assert.ok([...(owners.get(error.code)?.keys() ?? [])].some((owner) => owner.endsWith(` ${error.constructor.name}`)), `${error.code} is not read as ${error.constructor.name}'s`);
  }
});

test('no WEFT_ERR_ code has two owners anywhere in the tree, the addon\'s C++ and ad-hoc codes included', (t) => {
  const uses = codeUses(installRoot, floors);
  const owners = ownersByCode(uses);
  assert.ok(owners.size > 30, `only ${owners.size} codes found: is the scan reading the tree?`);
  // The addon's codes are read too (native/src/*.cc), and BpfError's own fallback.
  const addon = uses.filter((use) => use.owner === 'native/src (the addon)');
  assert.ok(addon.length > 15 && addon.some((use) => use.code === 'WEFT_ERR_BPF_OPEN'), 'the C++ codes are not being read');
  assert.deepEqual([...(owners.get('WEFT_ERR_BPF')?.keys() ?? [])], ['native/bpf-error.ts BpfError']);
  const adHoc = uses.filter((use) => use.owner.endsWith('(ad hoc)'));
  if (adHoc.length > 0) t.diagnostic(`codes set ad hoc, without a class: ${adHoc.map((use) => `${use.code} at ${use.at}`).join('; ')}`);
  assert.deepEqual(sharedCodes(uses), []);
});

test('the owner scan tells a code given twice from a code named twice', () => {
  const root = mkdtempSync(join(tmpdir(), 'weft-codes-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  try {
    write('core/a-errors.ts', "export class AError extends WeftError { constructor() { super('WEFT_ERR_TWICE', 'a'); } }\n");
    write('model/b-errors.ts', "export class BError extends WeftError { constructor() { super('WEFT_ERR_TWICE', 'b'); } }\n");
    // One class, one code, set in two places: one owner.
    write('api/c-errors.ts', "export class CError extends Base { constructor(x: boolean) { super(x ? 'WEFT_ERR_ONCE' : 'WEFT_ERR_ONCE'); } }\nexport class DError extends Error { readonly code = 'WEFT_ERR_FIELD'; }\n");
    write('native/src/thing.cc', '// "WEFT_ERR_COMMENTED" is not a use\nthrow ErrnoError(env, "WEFT_ERR_ADDON", "x", errno);\nerror.Set("code", Napi::String::New(env, "WEFT_ERR_FIELD"));\n');
    write('native/index.ts', "throw new BpfError({ code: 'WEFT_ERR_ADDON', message: 'x' });\n");
    write('agent/app.ts', "throw new WeftError('WEFT_ERR_AD_HOC', 'x');\nthrow new WeftError('WEFT_ERR_AD_HOC', 'y');\n");
    write('cli/run.ts', "if (error.code === 'WEFT_ERR_TWICE') {}\nswitch (code) { case 'WEFT_ERR_ONCE': }\nconst e = Object.assign(new Error('x'), { code: 'WEFT_ERR_AD_HOC' });\n");
    write('cli/run.test.ts', "assert.throws(f, { code: 'WEFT_ERR_FIELD' });\n");
    const shared = new Map(sharedCodes(codeUses(root, floors)));
    assert.deepEqual([...shared.keys()].sort(), ['WEFT_ERR_ADDON', 'WEFT_ERR_AD_HOC', 'WEFT_ERR_FIELD', 'WEFT_ERR_TWICE']);
    assert.deepEqual(shared.get('WEFT_ERR_TWICE'), ['core/a-errors.ts AError (core/a-errors.ts:1)', 'model/b-errors.ts BError (model/b-errors.ts:1)']);
    assert.deepEqual(shared.get('WEFT_ERR_AD_HOC'), ['agent/app.ts (ad hoc) (agent/app.ts:1, agent/app.ts:2)', 'cli/run.ts (ad hoc) (cli/run.ts:3)']);
    assert.deepEqual(shared.get('WEFT_ERR_ADDON'), ['native/index.ts (ad hoc) (native/index.ts:1)', 'native/src (the addon) (native/src/thing.cc:2)']);
    assert.deepEqual(shared.get('WEFT_ERR_FIELD'), ['api/c-errors.ts DError (api/c-errors.ts:2)', 'native/src (the addon) (native/src/thing.cc:3)']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
