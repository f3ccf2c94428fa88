import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadManifests } from '../control-plane/manifests/index.js';
import { parseOpaquePorts } from './opaque-ports.js';
import { portProtocol, servicePortProtocol } from './port-protocol.js';

const ports = [{ port: 80, name: 'http' }, { port: 6000, name: 'custom' }, { port: 7000 }];

test('weft.dev/opaque-ports names ports by number or by name; entries that name none are said', () => {
  const opaque = parseOpaquePorts(' 7000, custom ,9999,admin', ports);
  assert.deepEqual(ports.map((port) => opaque.matches(port)), [false, true, true]);
  assert.deepEqual(opaque.unknown, ['9999', 'admin']);
  assert.deepEqual(parseOpaquePorts(undefined, ports).unknown, []);
});

test('an opaque port is TCP whatever it declares, end to end from a manifest: never detected, never parsed, even as a GRPCRoute parent', () => {
  const { config, issues } = loadManifests([
    {
      file: 'svc.yaml',
      text: [
        'apiVersion: v1',
        'kind: Service',
        'metadata: { name: db, namespace: shop, annotations: { weft.dev/opaque-ports: "http,7000,nope" } }',
        'spec:',
        '  clusterIP: 10.96.0.40',
        '  selector: { app: db }',
        '  ports: [{ name: http, port: 80, appProtocol: http }, { name: other, port: 7000 }, { name: web, port: 8080 }]',
        '',
      ].join('\n'),
    },
  ]);
  const [service] = config.services;
  assert.deepEqual(service!.ports.map((port) => [port.port, port.opaque === true, servicePortProtocol(service!, port, [])]), [
    [80, true, 'tcp'],
    [7000, true, 'tcp'],
    [8080, false, 'detect'],
  ]);
  const warning = issues.find((issue) => /opaque-ports/.test(issue.path ?? '') && issue.severity === 'warning');
  assert.match(warning?.message ?? JSON.stringify(issues), /"nope" is no port of this Service/);
  // A GRPCRoute attached to it does not make it gRPC either.
  assert.equal(portProtocol(service!.ports[1]!, { grpcRouteParent: true }), 'tcp');
});
