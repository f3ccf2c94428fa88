/**
 * `weft config validate` on a directory of good and bad manifests of every
 * kind: each planted mistake (YAML syntax, schema, one-document semantics,
 * cross-document references) is reported with its file, document, field and
 * line; the good documents produce nothing; the exit code says so. Runs the
 * built CLI (bin/weft.js) as an operator would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfigDir } from '../sources/file-source.js';
import { errors, isEnforcementNotice, issueAt, lineInDocument } from './issue-assertions.js';
import { formatIssue } from '../../model/issues.js';
import { routeStatusLines, renderValidationReport, type ValidationReport, validationExitCode, validationReport } from './validation-report.js';

// dist/control-plane/manifests/ -> the repository root.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const weft = join(root, 'bin', 'weft.js');
const defaultMeshDir = join(root, 'deploy', 'default');

const files: Record<string, string> = {
  'core.yaml': `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { weft.dev/mesh: enabled } }
---
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec:
  clusterIP: 10.96.0.20
  selector: { app: reviews }
  ports: [{ name: http, port: 9080, appProtocol: http }, { name: grpc, port: 9090, appProtocol: grpc }]
---
apiVersion: v1
kind: Service
metadata: { name: dup-ports, namespace: shop }
spec:
  clusterIP: 10.96.0.21
  selector: { app: dup }
  ports: [{ name: a, port: 80 }, { name: b, port: 80 }]
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: reviews-0, namespace: shop, labels: { app: reviews } }
spec: { node: node-1, ip: 10.244.1.12, serviceAccount: reviews, cgroup: /t/reviews-0 }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: vip-thief, namespace: shop }
spec: { node: node-1, ip: 10.96.0.20, cgroup: /t/vip-thief }
`,
  'routes.yaml': `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews, port: 9080 }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /api } }]
      backendRefs: [{ name: reviews, port: 9080 }]
      timeouts: { request: 5s }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: to-nowhere, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: ratings }]
  rules:
    - backendRefs: [{ name: reviews, port: 9999 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bad-rules, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
  rules:
    - matches: [{ path: { type: RegularExpression, value: "/v(1" } }]
      backendRefs: [{ name: reviews, port: 9080, weight: 0 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bad-schema, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
  rules:
    - timeouts: { request: 5 minutes }
      filters: [{ type: Rewrite }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: reviews-grpc, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews, port: 9090 }]
  rules:
    - matches: [{ method: { service: shop.v1.Reviews } }]
      backendRefs: [{ name: reviews, port: 9090 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: bad-grpc, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
  rules:
    - matches: [{ method: { type: Exact } }]
      backendRefs: [{ name: reviews, port: 9090 }]
`,
  'security.yaml': `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: reviews-readers, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  rules:
    - from: [{ source: { principals: [spiffe://cluster.local/ns/shop/sa/frontend] } }]
      to: [{ operation: { methods: [GET] } }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: bad-values, namespace: shop }
spec:
  rules:
    - from: [{ source: { principals: [frontend], ipBlocks: [10.0.0.0/33] } }]
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: default, namespace: shop }
spec: { mtls: { mode: STRICT } }
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: bad-mode, namespace: shop }
spec: { selector: { matchLabels: { app: reviews } }, mtls: { mode: ON } }
`,
  'syntax.yaml': `apiVersion: v1
kind: Namespace
metadata: { name: other }
---
apiVersion: v1
kind: Service
metadata: { name: broken, namespace: shop
spec: {}
`,
};

// [file, document, field path, a text on the reported line, what the message says, its severity when not an error]
const planted: Array<[string, number, string, string, RegExp, 'warning'?]> = [
  ['core.yaml', 2, 'spec.ports[1].port', '{ name: b, port: 80 }', /port 80 is already declared/],
  ['core.yaml', 4, 'spec.ip', 'ip: 10.96.0.20', /10\.96\.0\.20 is already used by Service shop\/reviews/],
  ['routes.yaml', 1, 'spec.parentRefs[0].name', 'name: ratings', /parent Service shop\/ratings does not exist/],
  ['routes.yaml', 1, 'spec.rules[0].backendRefs[0].port', 'port: 9999', /Service shop\/reviews has no port 9999 .*answered 500/, 'warning'],
  ['routes.yaml', 2, 'spec.rules[0].matches[0].path.value', '/v(1', /not a valid regular expression/],
  ['routes.yaml', 2, 'spec.rules[0].backendRefs', 'weight: 0', /weights sum to 0/],
  ['routes.yaml', 3, 'spec.rules[0].timeouts.request', '5 minutes', /must be a duration/],
  ['routes.yaml', 3, 'spec.rules[0].filters[0].type', 'type: Rewrite', /must be one of .*\(got "Rewrite"\)/],
  ['routes.yaml', 5, 'spec.rules[0].matches[0].method', 'type: Exact', /set service, method or both/],
  ['security.yaml', 1, 'spec.rules[0].from[0].source.principals[0]', 'principals: [frontend]', /must be spiffe:/],
  ['security.yaml', 1, 'spec.rules[0].from[0].source.ipBlocks[0]', '10.0.0.0/33', /prefix length \/33/],
  ['security.yaml', 3, 'spec.mtls.mode', 'mode: ON', /must be one of "UNSET", "DISABLE", "PERMISSIVE", "STRICT"/],
  ['syntax.yaml', 1, '', 'spec: {}', /^YAML: /],
];

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function validate(...args: string[]): CliRun {
  const result = spawnSync(process.execPath, [weft, 'config', 'validate', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('weft config validate', () => {
  let dir = '';
  let report: ValidationReport;
  const at = (file: string) => report.issues.filter((issue) => issue.file === join(dir, file));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-validate-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    report = validationReport(dir, await loadConfigDir(dir));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const [file, document, path, needle, message, severity] of planted) {
    it(`finds ${file} [doc ${document}] ${path || '(document)'}`, () => {
      const found = path === '' ? at(file).filter((issue) => issue.document === document && issue.path === '') : [issueAt(at(file), document, path)];
      assert.ok(found.length > 0, `nothing at ${file} [doc ${document}]:\n${report.issues.map(formatIssue).join('\n')}`);
      for (const issue of found) {
        assert.equal(issue.severity, severity ?? 'error', formatIssue(issue));
        assert.match(issue.message, message);
        assert.equal(issue.line, lineInDocument(files[file] ?? '', document, needle), formatIssue(issue));
      }
    });
  }

  it('finds nothing else, and nothing at all in the good documents', () => {
    const key = (file: string, document: number, path: string) => `${join(dir, file)}#${document}#${path}`;
    const expected = new Set(planted.map(([file, document, path]) => key(file, document, path)));
    const notices = report.issues.filter(isEnforcementNotice);
    const unexpected = report.issues.filter((issue) => !isEnforcementNotice(issue) && !expected.has(`${issue.file}#${issue.document}#${issue.path}`));
    assert.deepEqual(unexpected.map(formatIssue), []);
    // Routes and authorization policies are enforced: no object is said to be accepted but not enforced.
    assert.deepEqual(notices.map(formatIssue), []);
    assert.ok(errors(report.issues).length >= planted.filter((p) => p[5] === undefined).length);
    assert.deepEqual(report.loaded, {
      Namespace: 2,
      Service: 1,
      Workload: 1,
      HTTPRoute: 1,
      GRPCRoute: 1,
      AuthorizationPolicy: 1,
      PeerAuthentication: 1,
    });
  });

  it('prints every issue, then a summary, and exits 1', () => {
    const run = validate(dir);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stdout, renderValidationReport(report));
    const lines = run.stdout.trimEnd().split('\n');
    // The issues, each loaded route's status per parent (as Kubernetes mode writes it), the summary.
    const routeLines = lines.filter((line) => line.startsWith('route '));
    assert.equal(lines.length, report.issues.length + routeLines.length + 1);
    assert.deepEqual(routeLines, routeStatusLines(report));
    assert.ok(routeLines.length >= 1, 'the loaded routes have their status printed');
    for (const line of routeLines) assert.match(line, /^route (HTTPRoute|GRPCRoute) \S+ -> Service \S+.*: Accepted=(True|False) \(\w+.*\), ResolvedRefs=(True|False) \(\w+/);
    assert.equal(lines[0], formatIssue(report.issues[0]!));
    assert.match(lines.at(-1) ?? '', new RegExp(`^${dir}: invalid, ${report.errors} errors, ${report.warnings} warnings?; .*loaded: 2 Namespaces, 1 Service, 1 Workload, 1 HTTPRoute, 1 GRPCRoute, 1 AuthorizationPolicy, 1 PeerAuthentication`));
    assert.equal(validationExitCode(report), 1);
  });

  it('says the same as JSON with --json', () => {
    const run = validate('--json', dir);
    assert.equal(run.status, 1, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), JSON.parse(JSON.stringify(report)));
  });

  it('exits 1 for a directory it cannot read', () => {
    const run = validate(join(dir, 'missing'));
    assert.equal(run.status, 1);
    assert.match(run.stdout, /cannot read config directory .*ENOENT/);
  });

  it('passes the default mesh (deploy/default) with exit 0', () => {
    const run = validate(defaultMeshDir);
    // Its route, accepted on an HTTP port, every backend found: the conditions Kubernetes mode writes.
    assert.match(run.stdout, /^route HTTPRoute shop\/reviews -> Service shop\/reviews:9080: Accepted=True \(Accepted\), ResolvedRefs=True \(ResolvedRefs\)$/m);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /: valid, 0 errors, 0 warnings \(1 Namespace, 4 Services, 3 Workloads, 1 HTTPRoute, 1 AuthorizationPolicy\)\n$/);
    // Everything it holds is enforced: nothing is said to be accepted but not enforced.
    assert.doesNotMatch(run.stdout, /is accepted and distributed, but not enforced/);
  });
});
