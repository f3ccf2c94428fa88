/**
 * `--node-auth kubernetes`: the agent presents its projected service-account
 * token (audience `weft`, bound to its pod), and a TokenReview against the
 * API server says whose it is. It must be the agent DaemonSet's service
 * account, and the node is the one the token is bound to: the
 * `authentication.kubernetes.io/node-name` extra that Kubernetes (1.30+,
 * ServiceAccountTokenPodNodeInfo) puts in a pod-bound token's review. So a
 * stolen agent token speaks only for the node its pod ran on, and only
 * until it expires.
 *
 * Positive reviews are cached for a minute (reviews cost the API server a
 * call; tokens live an hour or more); refusals are not cached.
 */
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { AuthenticationV1Api, type KubeConfig, type V1TokenReview } from '@kubernetes/client-node';
import { CaKubernetesError, NodeAuthError } from '../ca/ca-errors.js';
import { bearerToken, type NodeAuthenticator, type NodeCredential } from './node-authenticator.js';

export const nodeNameExtra = 'authentication.kubernetes.io/node-name';
const podNameExtra = 'authentication.kubernetes.io/pod-name';
const podUidExtra = 'authentication.kubernetes.io/pod-uid';

export interface TokenReviewAuthenticatorOptions {
  kubeConfig: KubeConfig;
  /** The agents' service account. */
  agentServiceAccount: { namespace: string; name: string };
  /** The audience agent tokens are minted for (default weft). */
  audience?: string;
  cacheMs?: number;
  maxCached?: number;
}

export class TokenReviewAuthenticator implements NodeAuthenticator {
  readonly mode = 'kubernetes' as const;
  readonly #api: AuthenticationV1Api;
  readonly #options: TokenReviewAuthenticatorOptions;
  readonly #cache = new Map<string, { credential: NodeCredential; until: number }>();

  constructor(options: TokenReviewAuthenticatorOptions) {
    this.#options = options;
    this.#api = options.kubeConfig.makeApiClient(AuthenticationV1Api);
  }

  get username(): string {
    const { namespace, name } = this.#options.agentServiceAccount;
    return `system:serviceaccount:${namespace}:${name}`;
  }

  async authenticate(metadata: grpc.Metadata): Promise<NodeCredential> {
    const token = bearerToken(metadata);
    if (!token) throw new NodeAuthError(grpc.status.UNAUTHENTICATED, "no node credential: send the agent's service-account token as \"authorization: Bearer <token>\" (weft agent --token-file)");
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.#cache.get(key);
    if (cached && cached.until > Date.now()) return cached.credential;
    this.#cache.delete(key);

    const audience = this.#options.audience ?? 'weft';
    let review: V1TokenReview;
    try {
      review = await this.#api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [audience] } } });
    } catch (error) {
      throw new CaKubernetesError(`TokenReview failed: ${(error as Error).message}`, (error as { code?: number }).code, { cause: error });
    }
    const status = review.status;
    if (!status?.authenticated) throw new NodeAuthError(grpc.status.UNAUTHENTICATED, `the token does not authenticate${status?.error ? `: ${status.error}` : ''}`);
    if (status.audiences && !status.audiences.includes(audience)) throw new NodeAuthError(grpc.status.UNAUTHENTICATED, `the token is not for audience ${audience}`);
    const username = status.user?.username ?? '';
    if (username !== this.username) throw new NodeAuthError(grpc.status.PERMISSION_DENIED, `${username || 'the token'} is not the agents' service account ${this.username}`);
    const extra = status.user?.extra ?? {};
    const node = extra[nodeNameExtra]?.[0];
    if (!node) {
      throw new NodeAuthError(
        grpc.status.UNAUTHENTICATED,
        `the token is not bound to a pod on a node (no ${nodeNameExtra}); give the agent a projected service-account token (Kubernetes 1.30+)`,
      );
    }
    const pod = extra[podNameExtra]?.[0];
    const credential: NodeCredential = {
      node,
      id: `service-account:${extra[podUidExtra]?.[0] ?? key.slice(0, 16)}`,
      description: `service account ${this.#options.agentServiceAccount.namespace}/${this.#options.agentServiceAccount.name}${pod ? ` (pod ${pod})` : ''}`,
    };
    if (this.#cache.size >= (this.#options.maxCached ?? 4096)) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(key, { credential, until: Date.now() + (this.#options.cacheMs ?? 60_000) });
    return credential;
  }

  close(): void {
    this.#cache.clear();
  }
}
