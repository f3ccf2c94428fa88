import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as errors from './errors.js';

test('every error class has its own stable WEFT_ERR_ code', () => {
  const samples: errors.WeftError[] = [
    new errors.ConfigError('x'),
    new errors.PrivilegeError('x'),
    new errors.ConnectionRefusedError('unknown_destination', 'x'),
    new errors.ResourceRejectedError('Service/x/y', 'x'),
    new errors.ResourceRegistryError('x'),
    new errors.DiscoveryProtocolError('x'),
    new errors.ControlPlaneListenError('unix:/x', 'x'),
    new errors.KubernetesSourceError('x'),
    new errors.KubernetesApiError(410, 'Expired', 'x'),
  ];
  const exported = Object.values(errors).filter(
    (value) => typeof value === 'function' && value.prototype instanceof errors.WeftError && value !== errors.BpfError,
  );
  assert.equal(samples.length, exported.length, 'a new error class needs a sample here');
  const codes = samples.map((error) => error.code);
  assert.ok(codes.every((code) => /^WEFT_ERR_[A-Z0-9_]+$/.test(code)));
  assert.equal(new Set(codes).size, codes.length);
});
