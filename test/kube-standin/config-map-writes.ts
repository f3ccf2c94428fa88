/**
 * ConfigMap writes, for the control plane's CA publishing its root
 * certificate (control-plane/ca/kube-ca-root-config-map.ts), answered as
 * the API server answers them:
 *
 * - create, `POST /api/v1/namespaces/{ns}/configmaps`: 201 with the stored
 *   object; 409 AlreadyExists when the name is taken; 400 when the body
 *   names another namespace than the path; 422 without a name;
 * - update, `PUT /api/v1/namespaces/{ns}/configmaps/{name}`: 200 with the
 *   stored object; 404 NotFound when there is none (a PUT does not create a
 *   ConfigMap); 409 Conflict when the body's metadata.resourceVersion is not
 *   the stored one (optimistic concurrency: someone wrote in between); no
 *   resourceVersion is an unconditional update, which the server allows for
 *   ConfigMaps; 400 when the body names another object than the path.
 *
 * uid and creationTimestamp survive an update, resourceVersion is the
 * store's next (object-store.ts). No validation of data, no `immutable`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiTarget } from './api-path.js';
import type { KubeObject } from './kube-object.js';
import type { ObjectStore } from './object-store.js';
import { status } from './status.js';
import { failure, readJson, send } from './writes.js';

export function isConfigMapWrite(method: string | undefined, target: ApiTarget | undefined): boolean {
  if (target?.type.plural !== 'configmaps' || target.namespace === undefined) return false;
  return (method === 'POST' && target.name === undefined) || (method === 'PUT' && target.name !== undefined);
}

export async function handleConfigMapWrite(store: ObjectStore, request: IncomingMessage, response: ServerResponse, target: ApiTarget): Promise<void> {
  const body = await readJson(request);
  if (!body) return send(response, 400, failure(400, 'BadRequest', 'the request body is not JSON'));
  const namespace = target.namespace!;
  const metadata = (body.metadata ?? {}) as Record<string, unknown> & { name?: string; namespace?: string; resourceVersion?: string };
  if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
    return send(response, 400, failure(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
  }
  const object = (name: string): KubeObject => ({ ...body, apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...metadata, name, namespace } });

  if (request.method === 'POST') {
    const name = metadata.name;
    if (!name) return send(response, 422, failure(422, 'Invalid', 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required'));
    if (store.get(target.type, namespace, name)) {
      return send(response, 409, { ...failure(409, 'AlreadyExists', `configmaps "${name}" already exists`), details: { name, kind: 'configmaps' } });
    }
    return send(response, 201, store.put(object(name)));
  }

  const name = target.name!;
  if (metadata.name !== undefined && metadata.name !== name) {
    return send(response, 400, failure(400, 'BadRequest', `the name of the object (${metadata.name}) does not match the name on the URL (${name})`));
  }
  const current = store.get(target.type, namespace, name);
  if (!current) return send(response, 404, status.notFound(`configmaps "${name}" not found`, { name, kind: 'configmaps' }));
  if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '' && metadata.resourceVersion !== current.metadata.resourceVersion) {
    return send(response, 409, status.conflict('configmaps', name));
  }
  // The client's managedFields are not the server's record of who wrote what: the store stamps its own.
  const { managedFields: _managedFields, ...rest } = metadata;
  send(response, 200, store.put({ ...body, apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...rest, name, namespace } } as KubeObject));
}
