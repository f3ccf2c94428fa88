/**
 * Per-request authorization where this proxy is also the destination's: the
 * endpoint chosen is a pod of this node, so its AuthorizationPolicies are
 * ours to enforce, on the very request view that routing read and that is
 * forwarded. A request to another node's pod is decided there, by the proxy
 * that terminates the tunnel.
 */
import { authorityOf } from './request-view.js';
import type { Workload } from '../../model/types.js';
import type { DownstreamResponse } from './exchange.js';
import type { LocalReply } from './local-reply.js';
import type { ListenerInputs } from '../proxy/proxy-inputs.js';
import type { Endpoint } from '../state/destination.js';
import { authorize, localSource } from '../stack/authorization.js';
import type { AuthzDecision } from '../authz/decision.js';
import type { AuthzRequest } from '../authz/authz-request.js';
import type { RequestView } from './request-view.js';

/** Envoy's RBAC filter's answer, byte for byte. */
export const accessDenied: LocalReply = { status: 403, flags: 'RBAC', message: 'RBAC: access denied', body: 'RBAC: access denied' };

/** The HTTP attributes of a request view, as the matcher reads them. */
export function httpAttributes(view: RequestView): NonNullable<AuthzRequest['http']> {
  return { method: view.method, path: view.path, host: authorityOf(view), headers: view.headers };
}

/**
 * The decision for sending a request from `source` to a local `endpoint`; undefined when the endpoint
 * is another node's. An allowed request whose `response` is given is re-checked, while it is in flight,
 * when policies change (authorized-connections.ts).
 */
export function authorizeLocalRequest(
  inputs: ListenerInputs,
  source: Workload | undefined,
  view: RequestView,
  endpoint: Endpoint,
  response?: DownstreamResponse,
): AuthzDecision | undefined {
  if (endpoint.workload.node !== inputs.config.nodeName || !source) return undefined;
  const request: AuthzRequest = {
    source: localSource(source, inputs.certificates),
    destination: { ip: endpoint.ip, port: endpoint.port },
    // A pod port declared opaque elsewhere is TCP to its proxy, on every path (state.opaquePodPort).
    ...(inputs.state.opaquePodPort(endpoint.ip, endpoint.port) ? {} : { http: httpAttributes(view) }),
  };
  const decision = authorize(inputs, endpoint.workload, request, 'local');
  if (decision.allowed && response && inputs.authorized && !response.writableFinished) {
    const untrack = inputs.authorized.track({ request, path: 'local', close: () => response.destroy() });
    response.once('close', untrack);
  }
  return decision;
}
