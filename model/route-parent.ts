/**
 * Which Service ports a route's parentRef attaches it to (GAMMA, GEP-1294):
 * the Service named, in the namespace named; `port` narrows it to the port
 * with that number, `sectionName` to the port with that name, both to the port
 * with both; neither leaves every port of the Service. The agent builds its
 * route table by this rule and the port-protocol rule asks it whether a port
 * is a GRPCRoute's parent, so both agree on what is attached where.
 */
import type { RouteParentRef } from './route-types.js';
import type { Service, ServicePort } from './types.js';

export function parentRefSelects(ref: RouteParentRef, service: Service, port: ServicePort): boolean {
  return (
    ref.namespace === service.namespace &&
    ref.name === service.name &&
    (ref.port === undefined || ref.port === port.port) &&
    (ref.sectionName === undefined || ref.sectionName === port.name)
  );
}

/** Whether any of `routes` attaches to this port of this Service. */
export function isRouteParent(routes: readonly { parentRefs: readonly RouteParentRef[] }[], service: Service, port: ServicePort): boolean {
  return routes.some((route) => route.parentRefs.some((ref) => parentRefSelects(ref, service, port)));
}
