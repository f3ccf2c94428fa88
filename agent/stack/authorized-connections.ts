/**
 * Open connections (and requests in flight) that an authorization decision
 * let through, so that a policy change re-checks them as ztunnel's
 * connection manager does: each is decided again on the new config, and
 * one now denied is closed (reset). Every L4 connection to a local pod is
 * tracked, policy or not (a new DENY must reach it too): one Set entry.
 */
import type { AuthzRequest } from '../authz/authz-request.js';
import type { ProxyState } from '../state/proxy-state.js';
import { authorize, type AuthorizationInputs, type AuthorizationPath } from './authorization.js';

export interface AuthorizedUse {
  request: AuthzRequest;
  path: AuthorizationPath;
  /** ends it as a refusal would have: a reset, a stream reset */
  close(): void;
}

export class AuthorizedConnections {
  readonly #open = new Set<AuthorizedUse>();

  /** Until the returned function is called. */
  track(use: AuthorizedUse): () => void {
    this.#open.add(use);
    return () => this.#open.delete(use);
  }

  get size(): number {
    return this.#open.size;
  }

  /** After a config is applied: closes what its policies now deny; returns how many. */
  recheck(inputs: AuthorizationInputs & { state: ProxyState }, nodeName: string): number {
    let closed = 0;
    for (const use of [...this.#open]) {
      const workload = inputs.state.localWorkload(nodeName, use.request.destination.ip);
      if (!workload) continue; // gone from the config: its connections end with the pod
      const policies = inputs.state.authorizer.forWorkload(workload);
      if (policies.none || policies.decide(use.request).allowed) continue;
      authorize(inputs, workload, use.request, use.path); // published as the denial it is
      this.#open.delete(use);
      use.close();
      closed++;
    }
    return closed;
  }
}
