/**
 * Control-plane mode: the agent's config arrives over the discovery stream.
 * The client keeps the last good config through any outage; this feed only
 * waits for the first one and passes on each later one.
 */
import { EventEmitter } from 'node:events';
import type { ControlPlaneChannel } from '../identity/control-plane-channel.js';
import type { Logger } from '../../core/log.js';
import type { AgentMetrics } from '../metrics.js';
import { bindXdsMetrics } from '../xds/xds-metrics.js';
import { XdsClient } from '../xds/xds-client.js';
import type { ConfigFeed, ConfigUpdate } from './config-feed.js';

export class ControlPlaneFeed extends EventEmitter<{ update: [ConfigUpdate] }> implements ConfigFeed {
  readonly #client: XdsClient;
  readonly #unbind: () => void;
  #latest: ConfigUpdate | undefined;

  constructor(
    private readonly address: string,
    node: { name: string; ip: string },
    metrics: AgentMetrics,
    private readonly log: Logger,
    channel?: ControlPlaneChannel,
  ) {
    super();
    this.#client = new XdsClient({ address, node, log, ...(channel ? { channel } : {}) });
    this.#unbind = bindXdsMetrics(this.#client, metrics);
    this.#client.onState((state, previous) => log.info({ state, previous, address }, `control plane ${state}`));
  }

  latest(): ConfigUpdate {
    if (!this.#latest) throw new Error('no config yet: start() has not resolved');
    return this.#latest;
  }

  describe() {
    return { kind: 'control-plane' as const, address: this.address, state: this.#client.state };
  }

  start(): Promise<ConfigUpdate> {
    return new Promise((resolve) => {
      let first = true;
      this.#client.onConfig(({ config, version }) => {
        if (first) {
          first = false;
          this.#latest = { config, version };
          resolve({ config, version });
        } else {
          this.#latest = { config, version };
          this.emit('update', { config, version });
        }
      });
      this.log.info('waiting for the first config from the control plane');
      this.#client.start();
    });
  }

  close(): void {
    this.#unbind();
    this.#client.close();
  }
}
