/** Port 15000, localhost only: what this agent holds, for `weft status`. */
import type { ConnectionLimitsStatus } from '../proxy/connection-limits.js';
import type { Server as NetServer } from 'node:net';
import { listenOn } from '../system/port-reservation.js';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { NotEnforcedObject } from '../../model/not-enforced.js';
import type { IdentityStatus } from '../identity/secret-manager.js';

/** The node's cached config, in force because the control plane has not answered since the agent started. */
export interface StaleConfigStatus {
  file: string;
  version: string;
  receivedAt: string;
  reason: string;
}

export interface AgentStatus {
  node: string;
  nodeIp: string;
  configSource: { kind: 'control-plane'; address: string; state: string; stale?: StaleConfigStatus } | { kind: 'directory'; dir: string };
  /**
   * Only while the agent waits for its first config with no cache to start from: why, since
   * when, and what that means. Nothing on the node is enrolled and the agent is not ready.
   */
  noConfig?: { since: string; message: string; cacheProblem?: string };
  configVersion: string;
  /** `inbound`: how plaintext callers from outside the mesh reach an enrolled pod (inbound-capture.ts): captured (authorized by
   * the proxy), refused (not captured while a policy selects it: fail closed) or direct (not captured, no policy selects it) */
  workloads: Array<{ namespace: string; name: string; ip: string; enrolled: boolean; reason?: string; inbound?: string }>;
  datapath: { redirected: string; paired: string };
  uptimeSeconds: number;
  /** Objects in this agent's config that its proxy accepts but does not act on yet (model/not-enforced.ts). */
  notEnforced: NotEnforcedObject[];
  /** Local workload identities and their certificates (control-plane mode only). */
  identities?: IdentityStatus[];
  /** How many connections the proxy takes on, and who holds the most (agent/proxy/connection-limits.ts). */
  connectionLimits?: ConnectionLimitsStatus;
}

/** GET /status: the snapshot as JSON; anything else is 404. Also served while a node waits for its first config. */
export function statusHandler(status: () => AgentStatus): RequestListener {
  return (request, response) => {
    if (request.url === '/status') {
      response.setHeader('content-type', 'application/json');
      response.end(`${JSON.stringify(status(), null, 2)}\n`);
    } else {
      response.statusCode = 404;
      response.end('not found\n');
    }
  };
}

export class AdminServer {
  readonly #server: Server;

  constructor(status: () => AgentStatus, private readonly port: number) {
    this.#server = createServer(statusHandler(status));
  }

  async run(reserved?: NetServer): Promise<void> {
    await listenOn(this.#server, reserved, { host: '127.0.0.1', port: this.port });
  }

  close(): void {
    this.#server.close();
    this.#server.closeAllConnections();
  }
}
