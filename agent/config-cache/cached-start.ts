/**
 * How an agent on a control plane gets its first config with the node's
 * cache: read the cache (reporting, and ignoring, a bad one), put it in front
 * of the control-plane feed, and once the agent runs, write back every config
 * the control plane sends after it is applied. app.ts wires this and knows
 * nothing of the file.
 */
import type { Server } from 'node:net';
import type { Logger } from '../../core/log.js';
import { openWaitingEndpoints } from '../admin/waiting-endpoints.js';
import type { ConfigFeed, ConfigUpdate } from '../config-feed/config-feed.js';
import { CachedStartFeed } from '../config-feed/cached-start-feed.js';
import type { TrustBundle } from '../identity/ca-client.js';
import type { SecretManager } from '../identity/secret-manager.js';
import type { AgentMetrics } from '../metrics.js';
import { ConfigCache } from './config-cache.js';

export interface CachedStartInputs {
  node: string;
  nodeIp: string;
  controlPlane: string;
  stateDir: string;
  /** The agent's reserved metrics and admin sockets: a node with no config answers on them while it waits. */
  sockets: { metrics?: Server | undefined; admin?: Server | undefined };
  metrics: AgentMetrics;
  log: Logger;
}

export interface CachedStart {
  feed: CachedStartFeed;
  /** From the cache, for the identity manager; undefined without one. */
  trustBundle: TrustBundle | undefined;
  /** Caches feed.latest() and every later config from the control plane, each after it was applied. */
  persistAppliedConfigs(manager: Pick<SecretManager, 'trustDomain' | 'trustBundlePem'>): void;
  /** A line for /healthz/ready while the cached config is in force. */
  readinessDetail(): string | undefined;
}

export function cachedControlPlaneStart(inner: ConfigFeed, inputs: CachedStartInputs): CachedStart {
  const { log } = inputs;
  let lastWriteError = '';
  const cache = new ConfigCache(inputs.stateDir, inputs.node, {
    written(record) {
      lastWriteError = '';
      log.info({ file: cache.file, version: record.version }, 'config cached on the node');
    },
    failed(error) {
      // Once per distinct failure: a full disk would otherwise log with every config.
      if (error.message === lastWriteError) return;
      lastWriteError = error.message;
      log.error({ err: error, file: error.file }, 'cannot cache the config on the node: a restart without the control plane will enrol nothing');
    },
  });
  const { cached, error } = cache.read();
  if (error) log.error({ err: error, file: error.file, problem: error.problem }, 'ignoring the cached config');
  else if (!cached) log.info({ file: cache.file }, 'no cached config on this node');
  if (cached && cached.controlPlane !== inputs.controlPlane) {
    log.warn({ file: cache.file, cachedFrom: cached.controlPlane, controlPlane: inputs.controlPlane }, 'the cached config came from another control-plane address');
  }
  const feed: CachedStartFeed = new CachedStartFeed(inner, {
    cached,
    file: cache.file,
    log,
    stale: inputs.metrics.configStale,
    whileWaiting: () =>
      openWaitingEndpoints({
        node: inputs.node,
        nodeIp: inputs.nodeIp,
        sockets: inputs.sockets,
        metrics: inputs.metrics,
        configSource: () => feed.describe(),
        ...(error ? { cacheProblem: error.message } : {}),
        log,
      }),
  });
  return {
    feed,
    trustBundle: cached?.trustBundle,
    persistAppliedConfigs(manager) {
      const write = (update: ConfigUpdate) => {
        if (update.cachedAt) return;
        cache.write({
          node: inputs.node,
          version: update.version,
          config: update.config,
          trustBundle: { trustDomain: manager.trustDomain, trustBundlePem: manager.trustBundlePem() },
          receivedAt: new Date().toISOString(),
          controlPlane: inputs.controlPlane,
        });
      };
      // Listeners run in the order added: app.ts's updater applies each update before this writes it.
      write(feed.latest());
      feed.on('update', write);
    },
    readinessDetail() {
      const stale = feed.stale;
      if (!stale) return undefined;
      return `on the cached config version ${stale.version} received ${stale.receivedAt} (${stale.file}): ${stale.reason}; connections to other nodes are refused until it does`;
    },
  };
}
