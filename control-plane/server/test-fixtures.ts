/**
 * Shared by the discovery tests: a small mesh over two nodes, a logger that
 * keeps records in memory, and bounded waits.
 */
import type { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../core/log.js';
import type { MeshConfig, Service, Workload } from '../../model/types.js';

const source = { file: 'test.yaml', document: 0 };

export function service(namespace: string, name: string, clusterIP: string, app: string, port = 9080): Service {
  return { name, namespace, clusterIP, selector: { app }, ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP', appProtocol: 'http' }], source };
}

export function workload(
  namespace: string,
  name: string,
  node: string,
  ip: string,
  app: string,
  extra: { mesh?: boolean; uid?: string; qosClass?: string } = {},
): Workload {
  return {
    name,
    namespace,
    labels: { app },
    node,
    ip,
    serviceAccount: app,
    cgroup: `/weft/${node}/${name}`,
    mesh: extra.mesh ?? true,
    ...(extra.uid === undefined ? {} : { uid: extra.uid }),
    ...(extra.qosClass === undefined ? {} : { qosClass: extra.qosClass }),
    source,
  } as Workload;
}

/** A MeshConfig with every array the model has (or is gaining) present. */
export function mesh(parts: Partial<MeshConfig>): MeshConfig {
  return {
    services: [],
    workloads: [],
    httpRoutes: [],
    grpcRoutes: [],
    authorizationPolicies: [],
    peerAuthentications: [],
    namespaces: [],
    nodes: [],
    ...parts,
  } as MeshConfig;
}

/**
 * node-1: client-1, reviews-1. node-2: reviews-2, ratings-2 (with uid and qosClass),
 * lonely-2 (meshed, selected by no Service).
 */
export function twoNodeMesh(): MeshConfig {
  return mesh({
    services: [service('shop', 'reviews', '10.96.0.10', 'reviews'), service('shop', 'ratings', '10.96.0.11', 'ratings')],
    workloads: [
      workload('shop', 'client-1', 'node-1', '10.0.1.5', 'client'),
      workload('shop', 'reviews-1', 'node-1', '10.0.1.10', 'reviews'),
      workload('shop', 'reviews-2', 'node-2', '10.0.2.10', 'reviews'),
      workload('shop', 'ratings-2', 'node-2', '10.0.2.11', 'ratings', { uid: 'a1b2c3d4-0000-4000-8000-000000000001', qosClass: 'Burstable' }),
      workload('shop', 'lonely-2', 'node-2', '10.0.2.12', 'lonely'),
    ],
  });
}

export interface MemoryLog {
  log: Logger;
  records: Record<string, any>[];
}

export function memoryLog(level = 'debug'): MemoryLog {
  const records: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level }, sink), records };
}

/** Polls `check` every 10 ms until it returns a value other than undefined/false, for at most `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < timeoutMs / 10 + 1; i++) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The next `event` from `emitter` that satisfies `accept`, or a timeout. */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter<any>,
  event: string,
  accept: (...args: A) => boolean = () => true,
  timeoutMs = 3_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const listener = (...args: A) => {
      if (!accept(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}
