import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, issueAt, lineInDocument } from './issue-assertions.js';
import { formatIssue } from '../../model/issues.js';
import { loadManifests } from './load-manifests.js';

const namespaces = `apiVersion: v1
kind: Namespace
metadata: { name: legacy, labels: { weft.dev/mesh: disabled } }
---
apiVersion: v1
kind: Namespace
metadata: { name: odd, labels: { weft.dev/mesh: maybe } }
`;

const services = `apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec:
  clusterIP: 10.96.0.20
  selector: { app: reviews }
  ports: [{ name: http, port: 9080, appProtocol: http }, { name: admin, port: 9090, targetPort: 19090 }]
---
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec:
  clusterIP: 10.96.0.21
  selector: { app: reviews }
  ports: [{ port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: shop }
spec:
  clusterIP: 10.96.0.20
  selector: { app: ratings }
  ports: [{ port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: reviews }
spec:
  clusterIP: 10.96.0.22
  ports: [{ port: 80 }]
`;

const workloads = `apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: reviews-0, namespace: shop, labels: { app: reviews } }
spec: { node: node-1, ip: 10.244.1.12, cgroup: /t/reviews-0 }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: reviews-1, namespace: shop }
spec: { node: node-2, ip: 10.244.1.12, cgroup: /t/reviews-1 }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: vip-thief, namespace: shop }
spec: { node: node-2, ip: 10.96.0.20, cgroup: /t/vip-thief }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: twin, namespace: shop }
spec: { node: node-1, ip: 10.244.1.13, cgroup: /t/reviews-0 }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: old-0, namespace: legacy }
spec: { node: node-1, ip: 10.244.1.14, cgroup: /t/old-0 }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: old-1, namespace: legacy }
spec: { node: node-1, ip: 10.244.1.15, cgroup: /t/old-1, mesh: true }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: opted-out, namespace: shop }
spec: { node: node-2, ip: 10.244.2.15, cgroup: /t/opted-out, mesh: false, serviceAccount: batch }
`;

describe('buildMeshConfig (through loadManifests)', () => {
  const { config, issues } = loadManifests([
    { file: 'namespaces.yaml', text: namespaces },
    { file: 'services.yaml', text: services },
    { file: 'workloads.yaml', text: workloads },
  ]);
  const inFile = (file: string) => issues.filter((issue) => issue.file === file);

  it('keeps the first of two objects with the same kind, namespace and name', () => {
    const issue = issueAt(inFile('services.yaml'), 1, 'metadata.name');
    assert.equal(issue.line, lineInDocument(services, 1, 'metadata'));
    assert.match(issue.message, /duplicate Service shop\/reviews: already defined at services\.yaml:1 \[doc 0\]/);
    // Same name in another namespace is a different Service.
    assert.deepEqual(
      config.services.map((service) => `${service.namespace}/${service.name}`),
      ['shop/reviews', 'default/reviews'],
    );
  });

  it('rejects a second Service on the same clusterIP', () => {
    const issue = issueAt(inFile('services.yaml'), 2, 'spec.clusterIP');
    assert.equal(issue.line, lineInDocument(services, 2, 'clusterIP'));
    assert.match(issue.message, /10\.96\.0\.20 is already used by Service shop\/reviews/);
  });

  it('rejects a Workload on an IP already taken by a Workload or a Service', () => {
    const twin = issueAt(inFile('workloads.yaml'), 1, 'spec.ip');
    assert.equal(twin.line, lineInDocument(workloads, 1, 'spec'));
    assert.match(twin.message, /already used by Workload shop\/reviews-0 \(workloads\.yaml:1 \[doc 0\]\)/);
    assert.match(issueAt(inFile('workloads.yaml'), 2, 'spec.ip').message, /already used by Service shop\/reviews/);
  });

  it('rejects two Workloads in one cgroup on one node', () => {
    assert.match(issueAt(inFile('workloads.yaml'), 3, 'spec.cgroup').message, /cgroup \/t\/reviews-0 on node node-1 is already used by Workload shop\/reviews-0/);
  });

  it('unmeshes Workloads in a namespace labelled weft.dev/mesh: disabled, with a warning', () => {
    const implicit = issueAt(inFile('workloads.yaml'), 4, 'metadata.namespace');
    assert.equal(implicit.severity, 'warning');
    const explicit = issueAt(inFile('workloads.yaml'), 5, 'spec.mesh');
    assert.equal(explicit.severity, 'warning');
    assert.equal(explicit.line, lineInDocument(workloads, 5, 'mesh: true'));
    const mesh = Object.fromEntries(config.workloads.map((workload) => [workload.name, workload.mesh]));
    assert.deepEqual(mesh, { 'reviews-0': true, 'old-0': false, 'old-1': false, 'opted-out': false });
  });

  it('warns about a mesh label it does not understand and a Service without selector', () => {
    const odd = issueAt(inFile('namespaces.yaml'), 1, 'metadata.labels["weft.dev/mesh"]');
    assert.equal(odd.severity, 'warning');
    assert.equal(odd.line, 7);
    assert.equal(issueAt(inFile('services.yaml'), 3, 'spec').severity, 'warning');
  });

  it('reports exactly the planted errors', () => {
    assert.equal(errors(issues).length, 5, issues.map(formatIssue).join('\n'));
  });

  it('fills in defaults: targetPort, protocol, namespace, serviceAccount', () => {
    const reviews = config.services[0];
    assert.ok(reviews);
    assert.deepEqual(reviews.ports, [
      { name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP', appProtocol: 'http' },
      { name: 'admin', port: 9090, targetPort: 19090, protocol: 'TCP' },
    ]);
    assert.deepEqual(reviews.source, { file: 'services.yaml', document: 0, line: 1 });
    assert.equal(config.services[1]?.namespace, 'default');
    assert.deepEqual(config.services[1]?.selector, {});
    const byName = new Map(config.workloads.map((workload) => [workload.name, workload]));
    assert.equal(byName.get('reviews-0')?.serviceAccount, 'default');
    assert.equal(byName.get('opted-out')?.serviceAccount, 'batch');
    assert.deepEqual(byName.get('old-0')?.labels, {});
  });

  it('orders issues by file, document and line', () => {
    const order = issues.map((issue) => `${issue.file}#${issue.document}`);
    assert.deepEqual(order, [
      'namespaces.yaml#1',
      'services.yaml#1',
      'services.yaml#2',
      'services.yaml#3',
      'workloads.yaml#1',
      'workloads.yaml#2',
      'workloads.yaml#3',
      'workloads.yaml#4',
      'workloads.yaml#5',
    ]);
  });
});

describe('Workloads for Kubernetes mode', () => {
  const text = `apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: file-mode, namespace: shop }
spec: { node: node-1, ip: 10.244.1.20 }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: from-pod, namespace: shop }
spec: { node: node-1, ip: 10.244.1.21, uid: 2f1c6e0a-8a0b-4c39-9d6e-2b8f0e7a1c55, qosClass: Burstable }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: unmeshed, namespace: shop }
spec: { node: node-1, ip: 10.244.1.22, mesh: false }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: bad, namespace: shop }
spec: { node: node-1, ip: 10.244.1.23, uid: ../../etc, qosClass: Premium }
`;
  const { config, issues } = loadManifests([{ file: 'w.yaml', text }]);

  it('loads a Workload without cgroup, with uid and qosClass when given', () => {
    const byName = new Map(config.workloads.map((workload) => [workload.name, workload]));
    assert.equal(byName.get('file-mode')?.cgroup, undefined);
    assert.ok(!('cgroup' in (byName.get('file-mode') ?? {})));
    assert.deepEqual([byName.get('from-pod')?.uid, byName.get('from-pod')?.qosClass], ['2f1c6e0a-8a0b-4c39-9d6e-2b8f0e7a1c55', 'Burstable']);
  });

  it('warns that a meshed file-mode Workload without cgroup cannot be enrolled', () => {
    const warning = issueAt(issues, 0, 'spec.cgroup');
    assert.equal(warning.severity, 'warning');
    assert.match(warning.message, /cannot be enrolled without spec\.cgroup/);
    // Not for one a Kubernetes source describes (uid), nor for one outside the mesh.
    assert.deepEqual(issues.filter((issue) => issue.document === 1 || issue.document === 2), []);
  });

  it('refuses a uid that is not path-safe and an unknown QoS class', () => {
    assert.match(issueAt(issues, 3, 'spec.uid').message, /the Pod's UID/);
    assert.match(issueAt(issues, 3, 'spec.qosClass').message, /must be one of "Guaranteed", "Burstable", "BestEffort"/);
    assert.equal(errors(issues).length, 2);
  });
});

describe('namespaces in the config', () => {
  it('carries every Namespace with its labels', () => {
    const { config } = loadManifests([{ file: 'namespaces.yaml', text: namespaces }]);
    assert.deepEqual(
      config.namespaces.map(({ name, labels }) => ({ name, labels })),
      [
        { name: 'legacy', labels: { 'weft.dev/mesh': 'disabled' } },
        { name: 'odd', labels: { 'weft.dev/mesh': 'maybe' } },
      ],
    );
  });
});
