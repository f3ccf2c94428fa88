/**
 * The status subresource of a custom resource (a route's status.parents,
 * written by the control plane), answered as the API server answers it:
 *
 * - `GET .../{plural}/{name}/status`: 200 with the whole object;
 * - `PUT .../{plural}/{name}/status`: replaces `status` alone (a spec or
 *   label in the body is ignored, as the server ignores them there), 200
 *   with the stored object; 404 when there is none; 409 Conflict when the
 *   body's metadata.resourceVersion is not the stored one. The store stamps
 *   a new resourceVersion (a watch sees MODIFIED) and leaves generation,
 *   which counts spec changes only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiTarget } from './api-path.js';
import type { ObjectStore } from './object-store.js';
import { status } from './status.js';
import { failure, readJson, send } from './writes.js';

export function isStatusRequest(target: ApiTarget | undefined): target is ApiTarget & { name: string } {
  return target?.subresource === 'status' && target.name !== undefined;
}

export async function handleStatusRequest(store: ObjectStore, request: IncomingMessage, response: ServerResponse, target: ApiTarget & { name: string }): Promise<void> {
  const { type, name } = target;
  const namespace = type.namespaced ? target.namespace : undefined;
  const current = store.get(type, namespace, name);
  if (!current) return send(response, 404, status.notFound(`${type.plural} "${name}" not found`, { name, kind: type.plural, group: type.group }));
  if (request.method === 'GET') return send(response, 200, current);
  if (request.method !== 'PUT') return send(response, 405, status.methodNotAllowed());
  const body = await readJson(request);
  if (!body) return send(response, 400, failure(400, 'BadRequest', 'the request body is not JSON'));
  const resourceVersion = (body.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  if (resourceVersion !== undefined && resourceVersion !== '' && resourceVersion !== current.metadata.resourceVersion) {
    return send(response, 409, status.conflict(type.plural, name));
  }
  send(response, 200, store.put({ ...current, status: body.status } as typeof current));
}
