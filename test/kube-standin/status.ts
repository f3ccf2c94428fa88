/**
 * `v1 Status` objects, the API server's error body (and the object of a
 * watch ERROR event). The reason strings are Kubernetes' StatusReason values;
 * clients branch on `code` and `reason`, so they must be exact.
 */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

function failure(code: number, reason: string, message: string, details?: KubeStatus['details']): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export const status = {
  notFound: (message = 'the server could not find the requested resource', details: KubeStatus['details'] = {}) =>
    failure(404, 'NotFound', message, details),
  /** What a watch from a compacted resourceVersion gets, as an ERROR event on a 200 response. */
  expired: (requested: number, oldest: number, message = `too old resource version: ${requested} (${oldest})`) => failure(410, 'Expired', message),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  methodNotAllowed: () => failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
  /** What a request gets when the API server or etcd fails underneath it (a 500), or is overloaded (a 503, with its reason). */
  internalError: (message = 'an error on the server ("etcdserver: request timed out") has prevented the request from succeeding') =>
    failure(500, 'InternalError', message),
  /** An update whose metadata.resourceVersion is not the stored one: optimistic concurrency lost a race. */
  conflict: (plural: string, name: string) =>
    failure(409, 'Conflict', `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: plural }),
  serviceUnavailable: (message = 'the server is currently unable to handle the request') => failure(503, 'ServiceUnavailable', message),
};
