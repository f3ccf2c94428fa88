/**
 * `weft authz check` through its command function, on manifest directories
 * written here: each case is a question an operator asks and the answer the
 * data plane's matcher gives, as text or JSON, with its exit code.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installRoot } from '../../core/paths.js';
import { runAuthzCheck } from '../commands/authz-command.js';
import type { CheckResult } from './check-authz.js';
import type { CheckFlags } from './check-flags.js';

const workload = (name: string, namespace: string, labels: string, ip: string, serviceAccount: string) => `apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: ${name}, namespace: ${namespace}, labels: ${labels} }
spec: { node: node-1, ip: ${ip}, serviceAccount: ${serviceAccount}, cgroup: /weft-test/${name} }
---
`;

const mesh = `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { weft.dev/mesh: enabled } }
---
apiVersion: v1
kind: Namespace
metadata: { name: other, labels: { weft.dev/mesh: enabled } }
---
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec:
  clusterIP: 10.96.0.20
  selector: { app: reviews }
  ports: [{ name: http, port: 80, targetPort: 9080, appProtocol: http }]
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: shop }
spec:
  clusterIP: 10.96.0.30
  selector: { app: db }
  ports: [{ name: tcp-postgres, port: 5432 }]
---
${workload('frontend-0', 'shop', '{ app: frontend }', '10.244.1.10', 'frontend')}${workload('intruder-0', 'other', '{ app: intruder }', '10.244.3.10', 'intruder')}${workload('reviews-v1-0', 'shop', '{ app: reviews, version: v1 }', '10.244.1.12', 'reviews')}${workload('reviews-v2-0', 'shop', '{ app: reviews, version: v2 }', '10.244.2.12', 'reviews')}${workload('db-0', 'shop', '{ app: db }', '10.244.1.20', 'db')}apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: legacy-0, namespace: shop, labels: { app: legacy } }
spec: { node: node-1, ip: 10.244.1.30, serviceAccount: legacy, cgroup: /weft-test/legacy-0, mesh: false }
---
apiVersion: v1
kind: Service
metadata: { name: empty, namespace: shop }
spec:
  clusterIP: 10.96.0.40
  selector: { app: nobody }
  ports: [{ name: http, port: 80 }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: reviews-readers, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [spiffe://cluster.local/ns/shop/sa/frontend] } }]
      to: [{ operation: { methods: [GET, HEAD] } }]
    - from: [{ source: { ipBlocks: [192.168.1.0/24] } }]
    - from: [{ source: { namespaces: [other] } }]
      to: [{ operation: { hosts: [reviews.example.com] } }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-admin, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/admin/*"] } }] }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-admin-user, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  action: DENY
  rules: [{ when: [{ key: "request.headers[x-user]", values: [admin] }] }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: beta-v1-only, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews, version: v2 } }
  action: DENY
  rules: [{ to: [{ operation: { paths: [/beta] } }] }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: audit-posts, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  action: AUDIT
  rules: [{ to: [{ operation: { methods: [POST] } }] }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: db-readers, namespace: shop }
spec:
  selector: { matchLabels: { app: db } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [spiffe://cluster.local/ns/shop/sa/frontend] } }]
      to: [{ operation: { methods: [GET] } }]
`;

const invalid = `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: custom, namespace: shop }
spec:
  action: CUSTOM
  rules: [{}]
`;

let dir = '';
let invalidDir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-authz-check-'));
  writeFileSync(join(dir, 'mesh.yaml'), mesh);
  invalidDir = mkdtempSync(join(tmpdir(), 'weft-authz-invalid-'));
  writeFileSync(join(invalidDir, 'policy.yaml'), invalid);
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(invalidDir, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function check(flags: Omit<CheckFlags, 'configDir'> & { configDir?: string }): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const out = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
  const code = await runAuthzCheck({ configDir: dir, ...flags }, out);
  return { code, stdout, stderr };
}

const frontendToV1 = { from: 'shop/frontend-0', to: 'shop/reviews-v1-0', port: '9080' };

async function json(flags: Parameters<typeof check>[0]): Promise<{ code: number; results: CheckResult[] }> {
  const ran = await check({ ...flags, output: 'json' });
  return { code: ran.code, results: JSON.parse(ran.stdout) as CheckResult[] };
}

describe('weft authz check: principals, methods, namespaces', () => {
  it('allows the named principal with an allowed method, naming the policy and rule', async () => {
    const ran = await check({ ...frontendToV1, method: 'GET', path: '/reviews/1' });
    assert.equal(ran.stdout, 'ALLOW shop/reviews-v1-0 10.244.1.12:9080  allowed by policy shop/reviews-readers rule 0  path=/reviews/1\n');
    assert.equal(ran.code, 0);
  });

  it('denies the same principal with a method no rule allows', async () => {
    const ran = await check({ ...frontendToV1, method: 'DELETE', path: '/reviews/1' });
    assert.equal(ran.stdout, 'DENY  shop/reviews-v1-0 10.244.1.12:9080  no ALLOW policy matched  path=/reviews/1\n');
    assert.equal(ran.code, 1);
  });

  it('denies a caller from another namespace', async () => {
    const ran = await check({ from: 'other/intruder-0', to: 'shop/reviews-v1-0', port: '9080', method: 'GET' });
    assert.match(ran.stdout, /^DENY  shop\/reviews-v1-0 10\.244\.1\.12:9080  no ALLOW policy matched  path=\/\n$/);
    assert.equal(ran.code, 1);
  });

  it('a DENY that matches beats the ALLOW that would let the request in', async () => {
    const ran = await check({ ...frontendToV1, method: 'GET', path: '/admin/x' });
    assert.equal(ran.stdout, 'DENY  shop/reviews-v1-0 10.244.1.12:9080  denied by policy shop/deny-admin rule 0  path=/admin/x\n');
    assert.equal(ran.code, 1);
  });

  it('lists matching AUDIT policies beside the decision', async () => {
    const ran = await check({ ...frontendToV1, method: 'POST' });
    assert.equal(ran.stdout, 'DENY  shop/reviews-v1-0 10.244.1.12:9080  no ALLOW policy matched  audit shop/audit-posts rule 0  path=/\n');
  });

  it('uses --trust-domain in the caller\'s principal', async () => {
    const ran = await check({ ...frontendToV1, method: 'GET', trustDomain: 'example.org' });
    assert.match(ran.stdout, /^DENY  .* no ALLOW policy matched/);
  });
});

describe('weft authz check: plaintext callers', () => {
  it('denies a plaintext caller that only principal-based rules could let in', async () => {
    const ran = await check({ plaintext: true, sourceIp: '10.0.0.9', to: 'shop/reviews-v1-0', port: '9080', method: 'GET' });
    assert.match(ran.stdout, /^DENY  shop\/reviews-v1-0 10\.244\.1\.12:9080  no ALLOW policy matched/);
    assert.equal(ran.code, 1);
  });

  it('allows a plaintext caller from an ipBlocks range', async () => {
    const ran = await check({ plaintext: true, sourceIp: '192.168.1.7', to: 'shop/reviews-v1-0', port: '9080', method: 'GET' });
    assert.equal(ran.stdout, 'ALLOW shop/reviews-v1-0 10.244.1.12:9080  allowed by policy shop/reviews-readers rule 1  path=/\n');
    assert.equal(ran.code, 0);
  });

  it('the same caller at the pod IP without HTTP fields is TCP, where a DENY on paths matches any connection (fail closed)', async () => {
    const ran = await check({ plaintext: true, sourceIp: '192.168.1.7', to: 'shop/reviews-v1-0', port: '9080' });
    assert.equal(ran.stdout, 'DENY  shop/reviews-v1-0 10.244.1.12:9080  denied by policy shop/deny-admin rule 0  audit shop/audit-posts rule 0\n');
    assert.equal(ran.code, 1);
  });
});

describe('weft authz check: the path as the proxy normalises it', () => {
  for (const path of ['//admin/x', '/./admin/x', '/x/../admin/x', '/%61dmin/x', '/admin//x?debug=1']) {
    it(`${path} is denied by DENY paths ["/admin/*"], and the normalised path is shown`, async () => {
      const ran = await check({ ...frontendToV1, method: 'GET', path });
      assert.equal(ran.stdout, 'DENY  shop/reviews-v1-0 10.244.1.12:9080  denied by policy shop/deny-admin rule 0  path=/admin/x\n');
      assert.equal(ran.code, 1);
    });
  }

  it('an encoded slash under REJECT_ENCODED_SLASHES is the 400 the proxy answers, before authorization', async () => {
    const { code, results } = await json({ ...frontendToV1, path: '/a%2Fb', pathNormalization: 'REJECT_ENCODED_SLASHES' });
    assert.equal(code, 1);
    assert.equal(results.length, 1);
    assert.equal(results[0]!.allowed, false);
    assert.equal(results[0]!.status, 400);
    assert.match(results[0]!.reason, /^400 bad request before authorization: encoded slash %2F/);
  });

  it('the same path under the default normalisation is decoded and decided', async () => {
    const ran = await check({ ...frontendToV1, path: '/a%2Fb' });
    assert.match(ran.stdout, /allowed by policy shop\/reviews-readers rule 0  path=\/a\/b\n$/);
  });
});

describe('weft authz check: hosts and headers', () => {
  it('compares the host without case', async () => {
    const ran = await check({ from: 'other/intruder-0', to: 'shop/reviews-v1-0', port: '9080', host: 'REVIEWS.Example.COM' });
    assert.equal(ran.stdout, 'ALLOW shop/reviews-v1-0 10.244.1.12:9080  allowed by policy shop/reviews-readers rule 2  path=/\n');
  });

  it('takes the host from -H host when --host is not given', async () => {
    const { results } = await json({ from: 'other/intruder-0', to: 'shop/reviews-v1-0', port: '9080', header: ['Host: reviews.example.com'] });
    assert.equal(results[0]!.allowed, true);
    assert.equal(results[0]!.http?.host, 'reviews.example.com');
  });

  it('keeps a repeated header as several values, names lower-cased: a second x-user: admin is denied', async () => {
    const ran = await check({ ...frontendToV1, header: ['x-user: bob', 'X-User: admin'] });
    assert.match(ran.stdout, /^DENY  .* denied by policy shop\/deny-admin-user rule 0/);
    const bob = await check({ ...frontendToV1, header: ['X-USER: bob'] });
    assert.match(bob.stdout, /^ALLOW /);
  });
});

describe('weft authz check: Services', () => {
  it('decides each endpoint at its targetPort, one line each; the exit code says whether any denied', async () => {
    const ran = await check({ from: 'shop/frontend-0', service: 'shop/reviews', port: '80', path: '/beta' });
    assert.equal(
      ran.stdout,
      'ALLOW shop/reviews-v1-0 10.244.1.12:9080  allowed by policy shop/reviews-readers rule 0  path=/beta\n' +
        'DENY  shop/reviews-v2-0 10.244.2.12:9080  denied by policy shop/beta-v1-only rule 0  path=/beta\n',
    );
    assert.equal(ran.code, 1);
    const both = await check({ from: 'shop/frontend-0', service: 'shop/reviews', port: '80', path: '/alpha' });
    assert.equal(both.code, 0);
  });

  it('an HTTP Service port is HTTP without HTTP flags: GET / by default', async () => {
    const { results } = await json({ from: 'shop/frontend-0', service: 'shop/reviews', port: '80' });
    assert.deepEqual(results.map((result) => result.http), [
      { method: 'GET', path: '/', host: '' },
      { method: 'GET', path: '/', host: '' },
    ]);
  });

  it('on a TCP port the HTTP fields are dropped with a note, and an ALLOW rule that needs HTTP matches nothing', async () => {
    const ran = await check({ from: 'shop/frontend-0', service: 'shop/db', port: '5432', method: 'GET' });
    assert.equal(
      ran.stdout,
      'DENY  shop/db-0 10.244.1.20:5432  no ALLOW policy matched\n' +
        'note: the HTTP fields were not used: the port is TCP (declared or opaque), so the proxy never parses HTTP there and TCP rules decide\n',
    );
    assert.equal(ran.code, 1);
    const { results } = await json({ from: 'shop/frontend-0', service: 'shop/db', port: '5432' });
    assert.equal(results[0]!.note, undefined);
    assert.equal(results[0]!.http, undefined);
  });
});

describe('weft authz check: outside the mesh', () => {
  it('an unmeshed caller calls as plaintext from its IP, and says so', async () => {
    const ran = await check({ from: 'shop/legacy-0', to: 'shop/reviews-v1-0', port: '9080', method: 'GET' });
    assert.equal(ran.stdout, 'DENY  shop/reviews-v1-0 10.244.1.12:9080  no ALLOW policy matched  path=/\nnote: shop/legacy-0 is not in the mesh: it calls as plaintext, without a principal\n');
  });

  it('an unmeshed destination has no proxy to enforce its policies: allowed, with a note', async () => {
    const { code, results } = await json({ from: 'shop/frontend-0', to: 'shop/legacy-0', port: '8080' });
    assert.equal(code, 0);
    assert.equal(results[0]!.reason, 'the destination is not in the mesh');
    assert.match(results[0]!.note ?? '', /shop\/legacy-0 is not in the mesh/);
  });

  it('a Service that selects no workload has nothing to allow: exit 1, said on stderr', async () => {
    const { code, results } = await json({ from: 'shop/frontend-0', service: 'shop/empty', port: '80' });
    assert.equal(code, 1);
    assert.deepEqual(results, []);
  });
});

describe('weft authz check -o json', () => {
  it('prints an array of results with destination, verdict, reason, policy, action, rule, audits and http', async () => {
    const { code, results } = await json({ ...frontendToV1, method: 'GET', path: '/%61dmin/x', host: 'reviews' });
    assert.equal(code, 1);
    assert.deepEqual(results, [
      {
        destination: { workload: 'shop/reviews-v1-0', ip: '10.244.1.12', port: 9080 },
        allowed: false,
        reason: 'denied by policy',
        policy: 'shop/deny-admin',
        action: 'DENY',
        rule: 0,
        audits: [],
        http: { method: 'GET', path: '/admin/x', host: 'reviews' },
      },
    ]);
  });

  it('a TCP check has no http and no policy when none decided', async () => {
    const { results } = await json({ from: 'shop/frontend-0', to: 'shop/db-0', port: '5432' });
    assert.deepEqual(results, [{ destination: { workload: 'shop/db-0', ip: '10.244.1.20', port: 5432 }, allowed: false, reason: 'no ALLOW policy matched', audits: [] }]);
  });
});

describe('weft authz check: usage and config errors exit 2, naming what is wrong', () => {
  const cases: Array<[string, Parameters<typeof check>[0], RegExp]> = [
    ['unknown source workload', { from: 'shop/nobody', to: 'shop/reviews-v1-0', port: '9080' }, /--from: workload shop\/nobody not found in /],
    ['unknown destination workload', { from: 'shop/frontend-0', to: 'shop/nobody', port: '9080' }, /--to: workload shop\/nobody not found in /],
    ['unknown Service', { from: 'shop/frontend-0', service: 'shop/nothing', port: '80' }, /service shop\/nothing not found/],
    ['a port the Service does not have', { from: 'shop/frontend-0', service: 'shop/reviews', port: '9080' }, /bad --port 9080: service shop\/reviews has port 80/],
    ['a port that is no port', { ...frontendToV1, port: '70000' }, /bad --port '70000'/],
    ['no port', { from: 'shop/frontend-0', to: 'shop/reviews-v1-0' }, /--port N is required/],
    ['no source', { to: 'shop/reviews-v1-0', port: '9080' }, /say who calls/],
    ['--plaintext without --source-ip', { plaintext: true, to: 'shop/reviews-v1-0', port: '9080' }, /--plaintext needs --source-ip/],
    ['both sources', { ...frontendToV1, plaintext: true, sourceIp: '10.0.0.1' }, /not both/],
    ['both destinations', { ...frontendToV1, service: 'shop/reviews' }, /exactly one of --to/],
    ['a malformed name', { from: 'frontend-0', to: 'shop/reviews-v1-0', port: '9080' }, /--from takes NAMESPACE\/NAME/],
    ['a malformed header', { ...frontendToV1, header: ['x-user=admin'] }, /bad -H 'x-user=admin'/],
  ];
  for (const [name, flags, message] of cases) {
    it(name, async () => {
      const ran = await check(flags);
      assert.equal(ran.code, 2);
      assert.equal(ran.stdout, '');
      assert.match(ran.stderr, message);
    });
  }

  it('a directory with validation errors: the issues as weft config validate prints them', async () => {
    const ran = await check({ ...frontendToV1, configDir: invalidDir });
    assert.equal(ran.code, 2);
    assert.equal(ran.stdout, '');
    assert.match(ran.stderr, /policy\.yaml:\d+ \[doc 0\] .*CUSTOM/);
    assert.match(ran.stderr, /: invalid, 1 error/);
  });

  it('a directory that does not exist', async () => {
    const ran = await check({ ...frontendToV1, configDir: join(dir, 'missing') });
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /missing/);
  });
});

describe('weft authz check on the command line', () => {
  const weft = (...args: string[]) => spawnSync(process.execPath, [join(installRoot, 'bin', 'weft.js'), 'authz', 'check', ...args], { encoding: 'utf8', timeout: 30_000 });

  it('--help describes every option', () => {
    const ran = weft('--help');
    assert.equal(ran.status, 0);
    for (const option of ['--config-dir', '--from', '--plaintext', '--source-ip', '--to', '--service', '--port', '--method', '--path', '--host', '--header', '--sni', '--path-normalization', '--trust-domain', '--output', 'Exit status']) {
      assert.ok(ran.stdout.includes(option), `--help does not mention ${option}`);
    }
  });

  it('exits 0, 1 and 2 as documented, commander\'s own refusals included', () => {
    assert.equal(weft('--config-dir', dir, '--from', 'shop/frontend-0', '--to', 'shop/reviews-v1-0', '--port', '9080', '--method', 'GET').status, 0);
    assert.equal(weft('--config-dir', dir, '--from', 'shop/frontend-0', '--to', 'shop/reviews-v1-0', '--port', '9080', '--method', 'PUT').status, 1);
    assert.equal(weft('--config-dir', dir, '--bogus').status, 2);
    assert.equal(weft('--config-dir', dir, '-o', 'yaml').status, 2);
  });
});
