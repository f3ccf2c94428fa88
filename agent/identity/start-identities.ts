/**
 * The identity manager of an agent on a control plane: a CA client on the
 * control-plane channel, and the trust bundle (with the trust domain) fetched
 * before anything else, since every certificate is checked against it.
 * Bounded: an agent that cannot get the bundle within `attempts` tries
 * fails its start rather than run a proxy that trusts nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/log.js';
import { Backoff } from '../../core/backoff.js';
import { CaClient, type TrustBundle } from './ca-client.js';
import type { ControlPlaneChannel } from './control-plane-channel.js';
import { SecretManager, type SecretManagerOptions } from './secret-manager.js';

export interface IdentityManagerSetup {
  channel: ControlPlaneChannel;
  node: string;
  log: Logger;
  metrics?: SecretManagerOptions['metrics'];
  /** Tries to get the trust bundle (default 15, about half a minute). */
  attempts?: number;
  /**
   * The bundle from the node's cached config: used as is, without asking the control plane, so
   * an agent starting on its cache has an identity manager at once. Certificates still come only
   * from the CA, so until it answers no cross-node connection can be made; every certificate the
   * CA issues brings the current bundle, which replaces this one.
   */
  cachedTrustBundle?: TrustBundle;
}

export interface RunningIdentities {
  manager: SecretManager;
  close(): void;
}

export async function startIdentities(setup: IdentityManagerSetup): Promise<RunningIdentities> {
  const client = new CaClient({ channel: setup.channel, node: setup.node });
  const attempts = setup.attempts ?? 15;
  const backoff = new Backoff({ baseMs: 200, capMs: 3_000 });
  let bundle: TrustBundle | undefined = setup.cachedTrustBundle;
  if (bundle) setup.log.info({ trustDomain: bundle.trustDomain }, 'trust bundle from the cached config');
  for (let attempt = 1; !bundle; attempt++) {
    try {
      bundle = await client.trustBundle();
    } catch (error) {
      if (attempt >= attempts) {
        client.close();
        throw error;
      }
      const delayMs = backoff.next();
      setup.log.warn({ err: error, attempt, delayMs }, 'cannot get the trust bundle from the control plane; retrying');
      await sleep(delayMs);
    }
  }
  if (!setup.cachedTrustBundle) setup.log.info({ trustDomain: bundle.trustDomain }, 'trust bundle received');
  const manager = new SecretManager({ issuer: client, trustBundle: bundle, log: setup.log, ...(setup.metrics ? { metrics: setup.metrics } : {}) });
  return {
    manager,
    close() {
      manager.close();
      client.close();
    },
  };
}
