/**
 * Valid manifests of every route and policy kind that between them set
 * every field the model has: for tests that must see each field survive
 * (the model's defaults, the wire codec's round trip).
 */
export const everyFieldManifests = `apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec:
  clusterIP: 10.96.0.20
  selector: { app: reviews }
  ports: [{ name: http, port: 9080, appProtocol: http }, { name: grpc, port: 9090, appProtocol: grpc }]
---
apiVersion: v1
kind: Service
metadata: { name: reviews-v2, namespace: shop }
spec:
  clusterIP: 10.96.0.21
  selector: { app: reviews, version: v2 }
  ports: [{ name: http, port: 9080 }, { name: grpc, port: 9090 }]
---
apiVersion: v1
kind: Service
metadata: { name: shadow, namespace: audit }
spec:
  clusterIP: 10.96.0.30
  selector: { app: shadow }
  ports: [{ name: http, port: 8080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, namespace: shop }
spec:
  parentRefs:
    - { group: "", kind: Service, name: reviews, port: 9080 }
    - { group: core, kind: Service, name: reviews-v2, sectionName: http }
  hostnames: [reviews.shop.svc.cluster.local, "*.shop.example.com"]
  rules:
    - matches:
        - path: { type: PathPrefix, value: /api }
          headers: [{ name: x-user, value: "tester-[0-9]+", type: RegularExpression }, { name: x-env, value: canary }]
          queryParams: [{ name: debug, value: "1" }]
          method: POST
        - path: { type: Exact, value: /healthz }
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{ name: x-route, value: reviews }]
            add: [{ name: x-trace, value: "on" }]
            remove: [x-internal]
        - type: ResponseHeaderModifier
          responseHeaderModifier: { set: [{ name: cache-control, value: no-store }] }
        - type: RequestMirror
          requestMirror: { backendRef: { name: shadow, namespace: audit, port: 8080 }, percent: 10 }
        - type: RequestMirror
          requestMirror: { backendRef: { name: reviews-v2, port: 9080 }, fraction: { numerator: 1, denominator: 1000 } }
      backendRefs:
        - { name: reviews, port: 9080, weight: 90 }
        - name: reviews-v2
          port: 9080
          weight: 10
          filters:
            - type: RequestHeaderModifier
              requestHeaderModifier: { set: [{ name: x-canary, value: "1" }], remove: [x-stable] }
            - type: ResponseHeaderModifier
              responseHeaderModifier: { add: [{ name: x-served-by, value: canary }] }
      timeouts: { request: 10s, backendRequest: 2s500ms }
      retry: { attempts: 3, backoff: 100ms, codes: [502, 503] }
    - name: versioned
      matches: [{ path: { type: RegularExpression, value: "/v[0-9]+/.*" } }]
      filters:
        - type: URLRewrite
          urlRewrite: { hostname: reviews.internal, path: { type: ReplaceFullPath, replaceFullPath: /v1 } }
      backendRefs: [{ name: reviews, port: 9080 }]
      timeouts: { request: 0s }
      retry: { codes: [] }
    - matches: [{ path: { type: PathPrefix, value: /old } }]
      filters:
        - type: RequestRedirect
          requestRedirect: { scheme: https, hostname: new.example.com, port: 8443, statusCode: 301, path: { type: ReplacePrefixMatch, replacePrefixMatch: /new } }
    - matches: [{ path: { type: PathPrefix, value: /moved } }]
      filters: [{ type: RequestRedirect, requestRedirect: {} }]
    - matches: [{ path: { type: PathPrefix, value: /legacy } }]
      filters:
        - type: URLRewrite
          urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /here } }
      backendRefs: [{ name: reviews, port: 9080 }]
    - backendRefs: [{ name: reviews, port: 9080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: reviews-grpc, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews, port: 9090 }]
  hostnames: [reviews.shop]
  rules:
    - matches:
        - method: { service: shop.v1.Reviews, method: Get }
          headers: [{ name: x-tenant, value: acme }]
        - method: { type: RegularExpression, service: "shop\\\\.v1\\\\..*" }
        - headers: [{ name: x-any, value: "a|b", type: RegularExpression }]
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: { add: [{ name: x-grpc, value: "1" }] }
        - type: ResponseHeaderModifier
          responseHeaderModifier: { remove: [x-debug] }
        - type: RequestMirror
          requestMirror: { backendRef: { name: reviews-v2, port: 9090 } }
      backendRefs:
        - { name: reviews, port: 9090, weight: 3 }
        - { name: reviews-v2, port: 9090, weight: 0, filters: [{ type: RequestHeaderModifier, requestHeaderModifier: { add: [{ name: x-v2, value: "1" }] } }] }
      timeouts: { backendRequest: 1s }
      retry: { attempts: 2, codes: [14] }
    - name: fallback
      backendRefs: [{ name: reviews, port: 9090 }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: reviews-viewers, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews, version: v2 } }
  action: ALLOW
  rules:
    - from:
        - source:
            principals: [cluster.local/ns/shop/sa/frontend, "spiffe://cluster.local/ns/shop/sa/admin"]
            notPrincipals: ["*/sa/banned"]
            namespaces: [shop, "team-*"]
            notNamespaces: [legacy]
            ipBlocks: [10.244.0.0/16, 192.168.1.7]
            notIpBlocks: [10.244.9.0/24]
            remoteIpBlocks: [10.244.0.0/17]
            notRemoteIpBlocks: [10.244.8.0/24, 10.244.10.5]
        - source: { principals: ["spiffe://cluster.local/ns/ops/*"] }
      to:
        - operation:
            ports: ["9080"]
            notPorts: ["9090"]
            methods: [GET, HEAD]
            notMethods: [DELETE]
            paths: [/api/*, /healthz]
            notPaths: [/api/admin*]
            hosts: [reviews.shop.svc.cluster.local]
            notHosts: [evil.example.com]
      when:
        - { key: "request.headers[x-tenant]", values: [acme], notValues: [other] }
        - { key: source.ip, values: [10.244.1.0/24] }
        - { key: destination.port, notValues: ["15020"] }
    - {}
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-legacy, namespace: weft-system }
spec:
  action: DENY
  rules: [{ from: [{ source: { namespaces: [legacy] } }] }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: audit-all, namespace: shop }
spec:
  action: AUDIT
  rules: [{ to: [{ operation: { methods: [POST] } }] }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-all, namespace: quarantine }
spec: {}
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: default, namespace: weft-system }
spec: { mtls: { mode: STRICT } }
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: reviews, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  mtls: { mode: PERMISSIVE }
  portLevelMtls:
    9090: { mode: DISABLE }
    8080: { mode: STRICT }
    7070: {}
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: inherit, namespace: shop }
`;
