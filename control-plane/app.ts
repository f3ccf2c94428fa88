/**
 * The control plane, wired: a source (a watched directory, or the Kubernetes
 * API) -> the config pipeline (last good per object, versions) -> the
 * discovery server that scopes and streams it to each node's agent.
 */
import { logger } from '../agent/log.js';
import { ConfigPipeline } from './config-pipeline.js';
import type { LoadResult } from './model/types.js';
import { DiscoveryServer } from './server/discovery-server.js';
import { DirectoryWatcher } from './sources/directory-watcher.js';
import { UnknownNodeReport } from './unknown-node-report.js';

export interface ControlPlaneOptions {
  listen: string;
}

export interface ConfigSource {
  start(): Promise<LoadResult>;
  on(event: 'change', listener: (result: LoadResult) => void): unknown;
  /** may return a promise; the control plane does not wait for it */
  close(): void;
}

export interface RunningControlPlane {
  address: string;
  stop(): Promise<void>;
}

export async function runControlPlane(options: ControlPlaneOptions, source: ConfigSource): Promise<RunningControlPlane> {
  const log = logger('control-plane');
  const pipeline = new ConfigPipeline(log);
  const server = new DiscoveryServer({ log: logger('discovery') });

  const first = pipeline.accept(await source.start());
  let served = first.config;
  server.update(first.config, String(first.version));
  source.on('change', (result) => {
    const published = pipeline.accept(result);
    if (!published.changed) return;
    served = published.config;
    server.update(published.config, String(published.version));
  });
  const nodeReport = new UnknownNodeReport(log);
  const reportTimer = setInterval(() => nodeReport.check(served, server.connectedNodes().map((n) => n.name)), 5_000);
  reportTimer.unref();
  let address: string;
  try {
    address = await server.listen(options.listen);
  } catch (error) {
    clearInterval(reportTimer);
    source.close();
    await server.close();
    throw error;
  }
  log.info({ address, version: first.version }, 'control plane ready');
  return {
    address,
    async stop() {
      clearInterval(reportTimer);
      source.close();
      await server.close();
      log.info('control plane stopped');
    },
  };
}

export function directorySource(dir: string): ConfigSource {
  return new DirectoryWatcher(dir, { log: logger('file-source', { dir }) });
}
