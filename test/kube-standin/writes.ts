/**
 * The stand-in's two POSTs, for the control plane's CA in Kubernetes mode:
 *
 * - create a Secret (`POST /api/v1/namespaces/{ns}/secrets`): 201 with the
 *   stored object, or 409 AlreadyExists, as the API server answers;
 * - TokenReview (`POST /apis/authentication.k8s.io/v1/tokenreviews`): the
 *   token is looked up in `tokenReviews`, which tests fill with what the
 *   real authenticator would say about it (username, pod-binding extras,
 *   audiences). An unknown token, or one not for a requested audience, gets
 *   the real server's unauthenticated answer: 201 with `status.error`.
 *
 * ConfigMaps are created and updated in config-map-writes.ts. Anything
 * else POSTed is 405, as before. No admission, no validation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseApiPath } from './api-path.js';
import type { KubeObject } from './kube-object.js';
import type { ObjectStore } from './object-store.js';
import type { KubeStatus } from './status.js';

export const tokenReviewPath = '/apis/authentication.k8s.io/v1/tokenreviews';

/** What the API server's authenticator knows about a token. */
export interface TokenReviewUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  /** The token's audiences (default: the API server's, `https://kubernetes.default.svc`). */
  audiences?: string[];
}

export function failure(code: number, reason: string, message: string): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export function send(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

export async function readJson(request: IncomingMessage): Promise<Record<string, any> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
  } catch {
    return undefined;
  }
}

export async function handlePost(store: ObjectStore, tokenReviews: ReadonlyMap<string, TokenReviewUser>, request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
  const body = await readJson(request);
  if (!body) return send(response, 400, failure(400, 'BadRequest', 'the request body is not JSON'));

  if (pathname === tokenReviewPath) {
    const spec = (body.spec ?? {}) as { token?: string; audiences?: string[] };
    const user = spec.token ? tokenReviews.get(spec.token) : undefined;
    const audiences = user?.audiences ?? ['https://kubernetes.default.svc'];
    const wanted = spec.audiences && spec.audiences.length > 0 ? spec.audiences : audiences;
    const matched = wanted.filter((audience) => audiences.includes(audience));
    const status =
      user && matched.length > 0
        ? { authenticated: true, user: { username: user.username, uid: user.uid ?? '', groups: user.groups ?? [], ...(user.extra ? { extra: user.extra } : {}) }, audiences: matched }
        : { user: {}, error: user ? '[invalid bearer token, token audiences do not match]' : '[invalid bearer token, service account token is not valid]' };
    return send(response, 201, { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status });
  }

  const target = parseApiPath(pathname);
  if (!target || target.type.plural !== 'secrets' || target.name !== undefined || target.namespace === undefined) {
    return send(response, 405, failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
  }
  const name = (body.metadata as { name?: string } | undefined)?.name;
  if (!name) return send(response, 422, failure(422, 'Invalid', 'Secret "" is invalid: metadata.name: Required value'));
  if (store.get(target.type, target.namespace, name)) {
    return send(response, 409, { ...failure(409, 'AlreadyExists', `secrets "${name}" already exists`), details: { name, kind: 'secrets' } });
  }
  const stored = store.put({ ...body, apiVersion: 'v1', kind: 'Secret', metadata: { ...body.metadata, name, namespace: target.namespace } } as KubeObject);
  send(response, 201, stored);
}
