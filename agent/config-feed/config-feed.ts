import type { EventEmitter } from 'node:events';
import type { MeshConfig } from '../../model/types.js';
import type { AgentStatus } from '../admin/admin-server.js';

export interface ConfigUpdate {
  config: MeshConfig;
  version: string;
  /** Set only on the node's cached config (agent/config-cache/), not one from the source: when it was received. */
  cachedAt?: string;
}

/** Where an agent's config comes from: a local directory (standalone) or the control plane. */
export interface ConfigFeed extends EventEmitter<{ update: [ConfigUpdate] }> {
  /** Resolves with the first config. */
  start(): Promise<ConfigUpdate>;
  /** The most recent config the feed has, emitted or not. */
  latest(): ConfigUpdate;
  /** Where the config comes from and how that connection is, for `weft status`. */
  describe(): AgentStatus['configSource'];
  close(): void;
}
