import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIssue } from '../../model/issues.js';
import { parseManifestText } from './parse-manifest.js';
import { errors, issueAt, lineInDocument, lineOf } from './issue-assertions.js';

const FILE = 'shop.yaml';

// Document 0 and 4 are good; 1, 2 and 3 each carry planted mistakes, one per
// line marked with the field they are reported under.
const mixed = `apiVersion: v1
kind: Service
metadata: { name: good, namespace: shop }
spec:
  clusterIP: 10.96.0.1
  selector: { app: good }
  ports: [{ port: 80 }]
---
apiVersion: v1
kind: Service
metadata:
  name: bad
  namespace: shop
spec:
  clusterIP: 10.96.0.300
  selecter: { app: bad }
  ports:
    - name: http
      port: 70000
      targetPort: http
      protocol: UDP
    - name: Bad_Name
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: w, namepsace: shop }
spec:
  ip: 10.244.1.9
  cgroup: /weft/../escape
  mesh: "no"
---
apiVersion: v1
kind: Service
metadata: { name: dup-ports, namespace: shop }
spec:
  clusterIP: 10.96.0.3
  selector: { app: dup }
  ports:
    - { name: a, port: 8080 }
    - { name: b, port: 8080 }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: good-0, namespace: shop, labels: { app: good } }
spec: { node: node-1, ip: 10.244.1.10, cgroup: /weft/node-1/good-0 }
`;

describe('parseManifestText', () => {
  const { objects, issues } = parseManifestText(mixed, FILE);

  it('loads the good documents of a file that also has bad ones', () => {
    assert.deepEqual(
      objects.map((object) => [object.kind, object.manifest.metadata.name, object.source.document]),
      [
        ['Service', 'good', 0],
        ['Workload', 'good-0', 4],
      ],
    );
    assert.ok(issues.every((issue) => issue.file === FILE));
  });

  it('applies the schema defaults', () => {
    const workload = objects.find((object) => object.kind === 'Workload');
    assert.ok(workload?.kind === 'Workload');
    assert.equal(workload.manifest.spec.serviceAccount, 'default');
    assert.equal(workload.manifest.spec.mesh, true);
    // An object's source line is its document's first line.
    assert.deepEqual(workload.source, { file: FILE, document: 4, line: lineInDocument(mixed, 4, 'apiVersion') });
  });

  const planted: Array<[document: number, path: string, needle: string, message: RegExp]> = [
    [1, 'spec.clusterIP', '10.96.0.300', /must be an IPv4 address .*10\.96\.0\.300/],
    [1, 'spec.selecter', 'selecter:', /unknown field \(did you mean "selector"\?\)/],
    [1, 'spec.ports[0].port', 'port: 70000', /^must be <= 65535$/],
    [1, 'spec.ports[0].targetPort', 'targetPort: http', /must be an integer/],
    [1, 'spec.ports[0].protocol', 'protocol: UDP', /must be "TCP"/],
    [1, 'spec.ports[1].name', 'Bad_Name', /must be a DNS label/],
    [1, 'spec.ports[1].port', 'Bad_Name', /is required/], // missing: reported on its parent's line
    [2, 'metadata.namepsace', 'namepsace', /unknown field \(did you mean "namespace"\?\)/],
    [2, 'spec.node', 'spec:', /is required/],
    [2, 'spec.cgroup', '/weft/../escape', /absolute path under the cgroup v2 mount/],
    [2, 'spec.mesh', 'mesh: "no"', /must be a boolean/],
    [3, 'spec.ports[1].port', '{ name: b, port: 8080 }', /port 8080 is already declared by spec.ports\[0\]/],
  ];

  for (const [document, path, needle, message] of planted) {
    it(`reports [doc ${document}] ${path}`, () => {
      const issue = issueAt(issues, document, path);
      assert.equal(issue.severity, 'error');
      assert.equal(issue.file, FILE);
      assert.equal(issue.line, lineInDocument(mixed, document, needle), formatIssue(issue));
      assert.match(issue.message, message);
    });
  }

  it('reports nothing but the planted mistakes', () => {
    assert.equal(errors(issues).length, planted.length, issues.map(formatIssue).join('\n'));
  });

  it('names the object of every error whose document says its kind and name', () => {
    for (const issue of errors(issues)) {
      const expected = {
        1: { kind: 'Service', namespace: 'shop', name: 'bad' },
        2: { kind: 'Workload', namespace: 'default', name: 'w' }, // `namepsace` is a typo: the object is in default
        3: { kind: 'Service', namespace: 'shop', name: 'dup-ports' },
      }[issue.document];
      assert.deepEqual(issue.resource, expected, formatIssue(issue));
    }
  });

  it('formats an issue as file:line [doc N] path: message', () => {
    assert.equal(formatIssue(issueAt(issues, 1, 'spec.ports[0].port')), `shop.yaml:${lineOf(mixed, '70000')} [doc 1] spec.ports[0].port: must be <= 65535`);
  });
});

describe('parseManifestText on YAML and kinds', () => {
  it('names the line of a YAML syntax error and still loads the other documents', () => {
    const text = `apiVersion: v1
kind: Namespace
metadata: { name: a }
---
apiVersion: v1
kind: Namespace
metadata: { name: b }
metadata: { name: c }
---
apiVersion: v1
kind: Namespace
metadata: { name: d }
`;
    const { objects, issues } = parseManifestText(text, 'ns.yaml');
    assert.deepEqual(objects.map((object) => object.manifest.metadata.name), ['a', 'd']);
    const issue = issueAt(issues, 1, '');
    assert.equal(issue.severity, 'error');
    assert.equal(issue.line, lineOf(text, 'name: c'));
    assert.match(issue.message, /^YAML: .*unique/);
  });

  it('reports an unclosed flow collection with its file and line', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: { name: x\n';
    const { objects, issues } = parseManifestText(text, 'broken.yaml');
    assert.equal(objects.length, 0);
    assert.ok(issues.length > 0);
    for (const issue of issues) {
      assert.equal(issue.file, 'broken.yaml');
      assert.equal(issue.severity, 'error');
      assert.ok(issue.line !== undefined && issue.line >= 3, formatIssue(issue));
    }
  });

  it('warns about kinds that are not modelled yet and ignores them', () => {
    const text = 'apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: { name: x }\n';
    const { objects, issues } = parseManifestText(text, 'later.yaml');
    assert.equal(objects.length, 0);
    assert.deepEqual(
      issues.map((issue) => [issue.severity, issue.document, issue.line, issue.message]),
      [['warning', 0, 2, 'kind ReferenceGrant is not supported yet; ignored']],
    );
  });

  it('rejects unknown kinds, suggesting the likely one, and wrong apiVersions', () => {
    const text = 'apiVersion: v1\nkind: Servce\n---\napiVersion: apps/v1\nkind: Namespace\nmetadata: { name: x }\n---\nmetadata: {}\n---\n- a list\n';
    const { issues } = parseManifestText(text, 'k.yaml');
    // Only the Namespace names an object: a misspelt kind, no kind or no map names none.
    assert.deepEqual(issues.map((issue) => issue.resource), [undefined, { kind: 'Namespace', namespace: '', name: 'x' }, undefined, undefined]);
    assert.match(issueAt(issues, 0, 'kind').message, /unknown kind "Servce" \(did you mean Service\?\)/);
    assert.equal(issueAt(issues, 0, 'kind').line, 2);
    assert.match(issueAt(issues, 1, 'apiVersion').message, /must be "v1"/);
    assert.equal(issueAt(issues, 1, 'apiVersion').line, 4);
    assert.equal(issueAt(issues, 2, 'kind').message, 'is required');
    assert.match(issueAt(issues, 3, '').message, /must be a map/);
    assert.equal(issueAt(issues, 3, '').line, 10);
  });

  it('skips empty documents and comments without issues', () => {
    const { objects, issues } = parseManifestText('# nothing\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n---\n', 'e.yaml');
    assert.deepEqual(issues, []);
    assert.equal(objects.length, 1);
  });

  it('checks label keys and usable addresses', () => {
    const text = `apiVersion: weft.dev/v1alpha1
kind: Workload
metadata:
  name: w
  labels:
    "bad key!": x
    weft.dev/ok: y
spec: { node: n, ip: 127.0.0.5, cgroup: /w }
`;
    const { objects, issues } = parseManifestText(text, 'w.yaml');
    assert.equal(objects.length, 0);
    assert.equal(issueAt(issues, 0, 'metadata.labels["bad key!"]').line, 6);
    assert.match(issueAt(issues, 0, 'spec.ip').message, /loopback/);
    assert.equal(errors(issues).length, 2);
  });

  it('accepts merge keys and the metadata a cluster adds', () => {
    const text = `apiVersion: weft.dev/v1alpha1
kind: Workload
metadata:
  name: w
  uid: 1234
  resourceVersion: "9"
  annotations: { note: hi }
spec:
  <<: { node: n, ip: 10.244.1.1 }
  cgroup: /w
status: { phase: Running }
`;
    const { objects, issues } = parseManifestText(text, 'm.yaml');
    assert.deepEqual(issues, []);
    assert.equal(objects.length, 1);
  });
});
