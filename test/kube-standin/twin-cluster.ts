/**
 * Test data for control-plane/sources/kubernetes-source.test.ts: one cluster, described twice,
 * by hand: as the objects an API server returns (through the stand-in's
 * fixtures, with everything a real cluster adds) and as a manifest directory.
 * Both must load into the same MeshConfig. The API side also holds what a
 * real cluster has and the mesh leaves out: a headless Service, UDP ports,
 * a Pending pod, a finished pod, a hostNetwork pod.
 */
import { customResource, namespace, pod, service, uidFor } from './fixtures.js';
import type { KubeObject } from './kube-object.js';

const uid = (ns: string, name: string) => uidFor(`pod/${ns}/${name}`);

const httpRouteSpec = {
  parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
  rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'reviews', port: 9080 }], timeouts: { request: '2s' } }],
};
const grpcRouteSpec = {
  parentRefs: [{ group: '', kind: 'Service', name: 'ratings', port: 50051 }],
  rules: [{ matches: [{ method: { service: 'ratings.v1.Ratings', method: 'Get' } }], backendRefs: [{ name: 'ratings', port: 50051 }] }],
};
const authorizationSpec = {
  selector: { matchLabels: { app: 'reviews' } },
  action: 'ALLOW',
  rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }], to: [{ operation: { methods: ['GET'], ports: ['9080'] } }] }],
};
const peerAuthenticationSpec = { mtls: { mode: 'STRICT' } };

export function twinApiObjects(): KubeObject[] {
  return [
    namespace('shop', { 'weft.dev/mesh': 'enabled' }),
    namespace('legacy'),
    namespace('kube-system'),
    service({ name: 'reviews', namespace: 'shop', clusterIP: '10.96.0.20', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, appProtocol: 'http' }] }),
    service({ name: 'ratings', namespace: 'shop', clusterIP: '10.96.0.30', selector: { app: 'ratings' }, ports: [{ name: 'grpc', port: 50051, targetPort: 5051, appProtocol: 'grpc' }] }),
    service({ name: 'frontend', namespace: 'shop', type: 'NodePort', clusterIP: '10.96.0.10', selector: { app: 'frontend' }, ports: [{ name: 'http', port: 80, targetPort: 8080, appProtocol: 'http' }] }),
    service({ name: 'reviews-headless', namespace: 'shop', clusterIP: 'None', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] }),
    service({
      name: 'kube-dns',
      namespace: 'kube-system',
      clusterIP: '10.96.0.53',
      selector: { 'k8s-app': 'kube-dns' },
      labels: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        { name: 'metrics', port: 9153, protocol: 'TCP' },
      ],
    }),
    pod({ name: 'reviews-v1-5c9f7-abcde', namespace: 'shop', labels: { app: 'reviews', version: 'v1' }, node: 'node-1', ip: '10.244.1.12', serviceAccount: 'reviews' }),
    pod({ name: 'reviews-v2-6d8e9-fghij', namespace: 'shop', labels: { app: 'reviews', version: 'v2' }, node: 'node-2', ip: '10.244.2.12', serviceAccount: 'reviews', qosClass: 'Guaranteed' }),
    pod({ name: 'ratings-4e5f6-qwert', namespace: 'shop', labels: { app: 'ratings' }, node: 'node-2', ip: '10.244.2.13', serviceAccount: 'ratings' }),
    pod({ name: 'frontend-7f6d5-klmno', namespace: 'shop', labels: { app: 'frontend' }, node: 'node-1', ip: '10.244.1.10', serviceAccount: 'frontend', qosClass: 'BestEffort' }),
    pod({ name: 'batch-8a7b6-pqrst', namespace: 'shop', labels: { app: 'batch', 'weft.dev/mesh': 'disabled' }, node: 'node-2', ip: '10.244.2.20' }),
    pod({ name: 'old-9b8c7-uvwxy', namespace: 'legacy', labels: { app: 'old' }, node: 'node-1', ip: '10.244.1.30' }),
    pod({ name: 'pilot-1a2b3-zzzzz', namespace: 'legacy', labels: { app: 'pilot', 'weft.dev/mesh': 'enabled' }, node: 'node-2', ip: '10.244.2.31' }),
    pod({ name: 'coredns-5d78c-aaaaa', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, node: 'node-1', ip: '10.244.1.2', serviceAccount: 'coredns' }),
    pod({ name: 'reviews-v1-5c9f7-pend1', namespace: 'shop', labels: { app: 'reviews', version: 'v1' }, node: 'node-2', phase: 'Pending' }),
    pod({ name: 'migrate-2c3d4-done1', namespace: 'shop', labels: { app: 'migrate' }, node: 'node-2', ip: '10.244.2.40', phase: 'Succeeded' }),
    pod({ name: 'kube-proxy-x1y2z', namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy' }, node: 'node-1', ip: '172.18.0.1', hostNetwork: true }),
    customResource('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'reviews-api', httpRouteSpec),
    customResource('gateway.networking.k8s.io/v1', 'GRPCRoute', 'shop', 'ratings', grpcRouteSpec),
    customResource('weft.dev/v1alpha1', 'AuthorizationPolicy', 'shop', 'reviews-from-frontend', authorizationSpec),
    customResource('weft.dev/v1alpha1', 'PeerAuthentication', 'shop', 'strict', peerAuthenticationSpec),
  ];
}

const hash = 'pod-template-hash: "7d4b9c8f6"';

/** The same cluster as a manifest directory: file name -> text. */
export function twinManifests(): Record<string, string> {
  return {
    'namespaces.yaml': `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { kubernetes.io/metadata.name: shop, weft.dev/mesh: enabled } }
---
apiVersion: v1
kind: Namespace
metadata: { name: legacy, labels: { kubernetes.io/metadata.name: legacy } }
---
apiVersion: v1
kind: Namespace
metadata: { name: kube-system, labels: { kubernetes.io/metadata.name: kube-system } }
`,
    'services.yaml': `apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec:
  clusterIP: 10.96.0.20
  selector: { app: reviews }
  ports: [{ name: http, port: 9080, appProtocol: http }]
---
apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: shop }
spec:
  clusterIP: 10.96.0.30
  selector: { app: ratings }
  ports: [{ name: grpc, port: 50051, targetPort: 5051, appProtocol: grpc }]
---
apiVersion: v1
kind: Service
metadata: { name: frontend, namespace: shop }
spec:
  clusterIP: 10.96.0.10
  selector: { app: frontend }
  ports: [{ name: http, port: 80, targetPort: 8080, appProtocol: http }]
---
apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system }
spec:
  clusterIP: 10.96.0.53
  selector: { k8s-app: kube-dns }
  ports: [{ name: dns-tcp, port: 53 }, { name: metrics, port: 9153 }]
`,
    'workloads.yaml': `apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: reviews-v1-5c9f7-abcde, namespace: shop, labels: { app: reviews, version: v1, ${hash} } }
spec: { node: node-1, ip: 10.244.1.12, serviceAccount: reviews, uid: ${uid('shop', 'reviews-v1-5c9f7-abcde')}, qosClass: Burstable }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: reviews-v2-6d8e9-fghij, namespace: shop, labels: { app: reviews, version: v2, ${hash} } }
spec: { node: node-2, ip: 10.244.2.12, serviceAccount: reviews, uid: ${uid('shop', 'reviews-v2-6d8e9-fghij')}, qosClass: Guaranteed }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: ratings-4e5f6-qwert, namespace: shop, labels: { app: ratings, ${hash} } }
spec: { node: node-2, ip: 10.244.2.13, serviceAccount: ratings, uid: ${uid('shop', 'ratings-4e5f6-qwert')}, qosClass: Burstable }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: frontend-7f6d5-klmno, namespace: shop, labels: { app: frontend, ${hash} } }
spec: { node: node-1, ip: 10.244.1.10, serviceAccount: frontend, uid: ${uid('shop', 'frontend-7f6d5-klmno')}, qosClass: BestEffort }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: batch-8a7b6-pqrst, namespace: shop, labels: { app: batch, weft.dev/mesh: disabled, ${hash} } }
spec: { node: node-2, ip: 10.244.2.20, uid: ${uid('shop', 'batch-8a7b6-pqrst')}, qosClass: Burstable, mesh: false }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: old-9b8c7-uvwxy, namespace: legacy, labels: { app: old, ${hash} } }
spec: { node: node-1, ip: 10.244.1.30, uid: ${uid('legacy', 'old-9b8c7-uvwxy')}, qosClass: Burstable, mesh: false }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: pilot-1a2b3-zzzzz, namespace: legacy, labels: { app: pilot, weft.dev/mesh: enabled, ${hash} } }
spec: { node: node-2, ip: 10.244.2.31, uid: ${uid('legacy', 'pilot-1a2b3-zzzzz')}, qosClass: Burstable }
---
apiVersion: weft.dev/v1alpha1
kind: Workload
metadata: { name: coredns-5d78c-aaaaa, namespace: kube-system, labels: { k8s-app: kube-dns, ${hash} } }
spec: { node: node-1, ip: 10.244.1.2, serviceAccount: coredns, uid: ${uid('kube-system', 'coredns-5d78c-aaaaa')}, qosClass: Burstable, mesh: false }
`,
    'routes.yaml': `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews-api, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews, port: 9080 }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /api } }]
      backendRefs: [{ name: reviews, port: 9080 }]
      timeouts: { request: 2s }
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: ratings, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: ratings, port: 50051 }]
  rules:
    - matches: [{ method: { service: ratings.v1.Ratings, method: Get } }]
      backendRefs: [{ name: ratings, port: 50051 }]
`,
    'policies.yaml': `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: reviews-from-frontend, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/frontend] } }]
      to: [{ operation: { methods: [GET], ports: ["9080"] } }]
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: strict, namespace: shop }
spec: { mtls: { mode: STRICT } }
`,
  };
}
