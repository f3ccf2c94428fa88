/**
 * The control plane, wired: a source (a watched directory, or the Kubernetes
 * API) -> the config pipeline (last good per object, versions) -> the
 * discovery server that scopes and streams it to each node's agent; and,
 * on the same gRPC server, the mesh CA (control-plane/ca/mesh-ca.ts), which
 * also decides who may connect (node credentials) and serves TLS on TCP.
 */
import { logger } from '../core/log.js';
import { type MeshCaOptions, startMeshCa } from './ca/mesh-ca.js';
import { ConfigPipeline } from './builder/config-pipeline.js';
import type { LoadResult, MeshConfig } from '../model/types.js';
import { DiscoveryServer } from './server/discovery-server.js';
import { DirectoryWatcher } from './sources/directory-watcher.js';
import { KnownNodes } from './builder/known-nodes.js';
import { UnknownNodeReport } from './builder/unknown-node-report.js';

export interface ControlPlaneOptions {
  listen: string;
  /** The mesh CA and node authentication; absent: discovery only, plaintext, nobody authenticated. */
  security?: MeshCaOptions;
}

export interface ConfigSource {
  start(): Promise<LoadResult>;
  on(event: 'change', listener: (result: LoadResult) => void): unknown;
  /** may return a promise; the control plane does not wait for it */
  close(): void;
  /** Where routes have a status to write (the Kubernetes API): what the served config says of each route. */
  reportRouteStatus?(served: MeshConfig, issues: LoadResult['issues']): void;
}

export interface RunningControlPlane {
  address: string;
  stop(): Promise<void>;
}

export async function runControlPlane(options: ControlPlaneOptions, source: ConfigSource): Promise<RunningControlPlane> {
  const log = logger('control-plane');
  const pipeline = new ConfigPipeline(log);
  const security = options.security ? await startMeshCa(options.security, options.listen, logger('ca')) : undefined;
  const server = new DiscoveryServer({ log: logger('discovery'), ...(security ? { auth: security.auth } : {}) });
  let served: MeshConfig | undefined;
  security?.register(server, () => served);

  let loaded: LoadResult;
  try {
    loaded = await source.start();
  } catch (error) {
    security?.close();
    throw error;
  }
  const first = pipeline.accept(loaded);
  // What is served: the sources' config with its nodes (Kubernetes: Node objects)
  // merged with the nodes agents have connected from (known-nodes.ts says which
  // address wins); either changing makes a new version.
  const knownNodes = new KnownNodes();
  let sourceConfig = first.config;
  let servedVersion = 0;
  let servedNodes = '';
  const publish = () => {
    served = { ...sourceConfig, nodes: knownNodes.list(sourceConfig.nodes) };
    servedNodes = JSON.stringify(served.nodes);
    servedVersion = Math.max(servedVersion + 1, Date.now());
    server.update(served, String(servedVersion));
    log.info({ version: servedVersion, nodes: served.nodes.map((n) => n.name) }, 'config served');
  };
  publish();
  source.reportRouteStatus?.(served!, loaded.issues);
  source.on('change', (result) => {
    const published = pipeline.accept(result);
    if (!published.changed) return;
    sourceConfig = published.config;
    publish();
    source.reportRouteStatus?.(served!, result.issues);
  });
  const nodeTimer = setInterval(() => {
    if (knownNodes.observe(server.connectedNodes()) && JSON.stringify(knownNodes.list(sourceConfig.nodes)) !== servedNodes) publish();
  }, 250);
  nodeTimer.unref();
  const nodeReport = new UnknownNodeReport(log);
  const reportTimer = setInterval(() => nodeReport.check(served ?? first.config, server.connectedNodes().map((n) => n.name)), 5_000);
  reportTimer.unref();
  let address: string;
  try {
    address = await server.listen(options.listen, await security?.serverCredentials(options.listen));
  } catch (error) {
    clearInterval(reportTimer);
    clearInterval(nodeTimer);
    source.close();
    await server.close();
    security?.close();
    throw error;
  }
  log.info({ address, version: servedVersion }, 'control plane ready');
  return {
    address,
    async stop() {
      clearInterval(reportTimer);
      clearInterval(nodeTimer);
      source.close();
      await server.close();
      security?.close();
      log.info('control plane stopped');
    },
  };
}

export function directorySource(dir: string): ConfigSource {
  return new DirectoryWatcher(dir, { log: logger('file-source', { dir }) });
}
