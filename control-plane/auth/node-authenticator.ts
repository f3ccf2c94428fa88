/**
 * Who is calling: every agent call (the discovery stream, each CSR) carries
 * a node credential as `authorization: Bearer <token>` metadata, and the
 * authenticator turns it into the node it belongs to. Modes:
 *
 * - `token`: a per-node bootstrap token from `weft token create` (file mode;
 *   node-token-authenticator.ts);
 * - `kubernetes`: the agent's projected service-account token, checked by a
 *   TokenReview; the node comes from the token's pod binding
 *   (token-review-authenticator.ts);
 * - `none`: nobody is checked and the node an agent names is believed; for a
 *   Unix socket whose file permissions already say who may connect.
 *
 * Authorization then only compares names: a caller may speak for its own
 * node and no other.
 */
import * as grpc from '@grpc/grpc-js';
import { NodeAuthError } from '../ca/ca-errors.js';

export type NodeAuthMode = 'none' | 'token' | 'kubernetes';

export interface NodeCredential {
  /** The node the credential belongs to; undefined when authentication is off (the claim is believed). */
  node: string | undefined;
  /** Stable per credential (never the secret): what revocation names. */
  id: string;
  /** For logs: "token 1a2b3c4d", "service account weft-system/weft-agent". */
  description: string;
}

export interface NodeAuthenticator {
  readonly mode: NodeAuthMode;
  /** Rejects with NodeAuthError (UNAUTHENTICATED) when the call carries no valid credential. */
  authenticate(metadata: grpc.Metadata): Promise<NodeCredential>;
  /** Credentials (by id) that stopped being valid, e.g. a revoked token: their open streams are ended. */
  onRevoked?(listener: (ids: string[]) => void): () => void;
  close(): void;
}

/** The bearer token of a call, or undefined. */
export function bearerToken(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

/**
 * The node a call may act for: the credential's, which the claim (if any)
 * must equal; with authentication off, the claim itself, which must be there.
 */
export function authorizedNode(credential: NodeCredential, claimed: string | undefined): string {
  if (credential.node === undefined) {
    if (!claimed) throw new NodeAuthError(grpc.status.UNAUTHENTICATED, 'node authentication is off and the request names no node');
    return claimed;
  }
  if (claimed && claimed !== credential.node) {
    throw new NodeAuthError(grpc.status.PERMISSION_DENIED, `the credential (${credential.description}) belongs to node ${credential.node}, not ${claimed}`);
  }
  return credential.node;
}

export class NoNodeAuthenticator implements NodeAuthenticator {
  readonly mode = 'none' as const;

  async authenticate(): Promise<NodeCredential> {
    return { node: undefined, id: 'none', description: 'no node authentication' };
  }

  close(): void {}
}
