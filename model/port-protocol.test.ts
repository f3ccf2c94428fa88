import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declaredPortProtocol, portProtocol, servicePortProtocol } from './port-protocol.js';
import type { GrpcRoute, Service, ServicePort } from './types.js';

const port = (fields: Partial<ServicePort> = {}): ServicePort => ({ port: 8080, targetPort: 8080, protocol: 'TCP', ...fields });
const plain = (fields: Partial<ServicePort> = {}) => portProtocol(port(fields), { grpcRouteParent: false });

describe('the protocol of a Service port', () => {
  it('reads appProtocol first', () => {
    assert.equal(plain({ appProtocol: 'http' }), 'http1');
    assert.equal(plain({ appProtocol: 'http2' }), 'http2');
    assert.equal(plain({ appProtocol: 'h2c' }), 'http2');
    assert.equal(plain({ appProtocol: 'kubernetes.io/h2c' }), 'http2');
    assert.equal(plain({ appProtocol: 'grpc' }), 'grpc');
    assert.equal(plain({ appProtocol: 'tcp' }), 'tcp');
    // Istio reads Kubernetes' WebSocket names: ws is an HTTP/1.1 upgrade, wss is TLS.
    assert.equal(plain({ appProtocol: 'kubernetes.io/ws' }), 'http1');
    assert.equal(plain({ appProtocol: 'kubernetes.io/wss' }), 'tcp');
  });

  it('lets appProtocol win over the port name, even when Weft does not know the appProtocol', () => {
    assert.equal(plain({ name: 'grpc', appProtocol: 'http' }), 'http1');
    assert.equal(plain({ name: 'http', appProtocol: 'example.com/custom' }), 'detect');
  });

  it("reads Istio's port-name prefixes when there is no appProtocol: the part before the first '-', any case", () => {
    assert.equal(plain({ name: 'http' }), 'http1');
    assert.equal(plain({ name: 'http-web' }), 'http1');
    assert.equal(plain({ name: 'HTTP-Web' }), 'http1');
    assert.equal(plain({ name: 'http2' }), 'http2');
    assert.equal(plain({ name: 'http2-api' }), 'http2');
    assert.equal(plain({ name: 'grpc' }), 'grpc');
    assert.equal(plain({ name: 'grpc-orders' }), 'grpc');
    assert.equal(plain({ name: 'tcp' }), 'tcp');
    assert.equal(plain({ name: 'tcp-db' }), 'tcp');
    // TLS and databases are bytes the proxy does not look into.
    assert.equal(plain({ name: 'https' }), 'tcp');
    assert.equal(plain({ name: 'tls-admin' }), 'tcp');
    assert.equal(plain({ name: 'mysql' }), 'tcp');
    // Only a whole prefix counts.
    assert.equal(plain({ name: 'httpbin' }), 'detect');
    assert.equal(plain({ name: 'web-http' }), 'detect');
    assert.equal(plain({ name: 'h2c' }), 'detect');
  });

  it('keeps gRPC-Web from being read as gRPC', () => {
    assert.equal(plain({ name: 'grpc-web' }), 'http2');
    assert.equal(plain({ name: 'grpc-web-ui' }), 'http2');
    assert.equal(declaredPortProtocol({ name: 'grpc-webhook' }), 'http2');
  });

  it('detects a port that declares nothing, except where the server speaks first', () => {
    assert.equal(plain(), 'detect');
    assert.equal(plain({ name: 'web' }), 'detect');
    for (const serverFirst of [25, 587, 3306, 4444, 5432, 6379, 9300, 11211]) {
      assert.equal(plain({ port: serverFirst, targetPort: serverFirst }), 'tcp', `port ${serverFirst}`);
    }
    // A Service may front PostgreSQL on another port: the workload's port counts too.
    assert.equal(plain({ port: 80, targetPort: 5432 }), 'tcp');
    assert.equal(plain({ port: 5432, targetPort: 15432 }), 'tcp');
    // A declaration wins over the list.
    assert.equal(plain({ port: 6379, targetPort: 6379, name: 'http-admin' }), 'http1');
  });

  it("makes a GRPCRoute's parent port gRPC when it declares nothing, or only HTTP/2", () => {
    const parent = (fields: Partial<ServicePort>) => portProtocol(port(fields), { grpcRouteParent: true });
    assert.equal(parent({}), 'grpc');
    assert.equal(parent({ name: 'api' }), 'grpc');
    assert.equal(parent({ port: 4444, targetPort: 4444 }), 'grpc');
    assert.equal(parent({ appProtocol: 'kubernetes.io/h2c' }), 'grpc');
    assert.equal(parent({ name: 'http2' }), 'grpc');
    // The Service owner said otherwise: gRPC cannot run there.
    assert.equal(parent({ appProtocol: 'http' }), 'http1');
    assert.equal(parent({ name: 'tcp' }), 'tcp');
  });

  it('finds the GRPCRoute parents of a port in the config, narrowed by port and sectionName', () => {
    const grpcPort = port({ name: 'api', port: 9090, targetPort: 9090 });
    const other = port({ name: 'admin', port: 9091, targetPort: 9091 });
    const service: Service = { name: 'orders', namespace: 'shop', clusterIP: '10.96.0.9', selector: { app: 'orders' }, ports: [grpcPort, other], source: { file: 't', document: 0 } };
    const route = (parentRef: GrpcRoute['parentRefs'][number]): GrpcRoute => ({ name: 'r', namespace: 'shop', parentRefs: [parentRef], hostnames: [], rules: [], source: { file: 't', document: 0 } });
    assert.equal(servicePortProtocol(service, grpcPort, [route({ name: 'orders', namespace: 'shop', port: 9090 })]), 'grpc');
    assert.equal(servicePortProtocol(service, other, [route({ name: 'orders', namespace: 'shop', port: 9090 })]), 'detect');
    assert.equal(servicePortProtocol(service, other, [route({ name: 'orders', namespace: 'shop', sectionName: 'admin' })]), 'grpc');
    assert.equal(servicePortProtocol(service, other, [route({ name: 'orders', namespace: 'shop' })]), 'grpc');
    assert.equal(servicePortProtocol(service, other, [route({ name: 'orders', namespace: 'bank' })]), 'detect');
  });
});
