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
}

export interface RunningIdentities {
  manager: SecretManager;
  close(): void;
}

export async function startIdentities(setup: IdentityManagerSetup): Promise<RunningIdentities> {
  const client = new CaClient({ channel: setup.channel, node: setup.node });
  const attempts = setup.attempts ?? 15;
  const backoff = new Backoff({ baseMs: 200, capMs: 3_000 });
  let bundle: TrustBundle | undefined;
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
  setup.log.info({ trustDomain: bundle.trustDomain }, 'trust bundle received');
  const manager = new SecretManager({ issuer: client, trustBundle: bundle, log: setup.log, ...(setup.metrics ? { metrics: setup.metrics } : {}) });
  return {
    manager,
    close() {
      manager.close();
      client.close();
    },
  };
}
