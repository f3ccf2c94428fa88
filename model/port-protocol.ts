/** Provisional (replaced by the route-table work): the protocol a Service port declares. */
import type { ServicePort } from './types.js';

export type PortProtocol = 'http1' | 'http2' | 'grpc' | 'tcp' | 'detect';

const serverFirstPorts = new Set([25, 587, 3306, 4444, 5432, 6379, 9300, 11211]);

export function portProtocol(port: ServicePort, grpcRouteParent = false): PortProtocol {
  const declared = port.appProtocol?.toLowerCase();
  if (declared === 'http') return 'http1';
  if (declared === 'http2' || declared === 'h2c' || declared === 'kubernetes.io/h2c') return 'http2';
  if (declared === 'grpc') return 'grpc';
  if (declared === 'tcp') return 'tcp';
  const prefix = port.name?.toLowerCase().split('-')[0];
  if (prefix === 'http') return 'http1';
  if (prefix === 'http2') return 'http2';
  if (prefix === 'grpc') return 'grpc';
  if (prefix === 'tcp') return 'tcp';
  if (grpcRouteParent) return 'grpc';
  return serverFirstPorts.has(port.port) ? 'tcp' : 'detect';
}
