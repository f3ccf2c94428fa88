/**
 * Service on the wire (proto/weft/v1/mesh-core.proto). The model's `source`
 * (file and line of the manifest) stays behind: it means nothing on the
 * agent, and leaving it out of the proto keeps a manifest's reformatting
 * from changing versions.
 */
import type { Service as ServiceProto, Service__Output } from '../../proto/generated/weft/v1/Service.js';
import type { Service, ServicePort } from '../../model/types.js';
import * as check from '../field-checks.js';
import { type ResourceKind, resourceSource } from '../resource-kind.js';
import { sorted } from './wire-values.js';

function portFromProto(port: Service__Output['ports'][number], field: string): ServicePort {
  return {
    ...(port.name === '' ? {} : { name: check.dnsLabel(port.name, `${field}.name`) }),
    port: check.port(port.port, `${field}.port`),
    targetPort: check.port(port.targetPort, `${field}.targetPort`),
    protocol: check.oneOf(['TCP'], port.protocol, `${field}.protocol`),
    ...(port.appProtocol === undefined ? {} : { appProtocol: check.nonEmpty(port.appProtocol, `${field}.appProtocol`) }),
    ...(port.opaque ? { opaque: true } : {}),
  };
}

export const serviceKind: ResourceKind<'services', ServiceProto, Service__Output> = {
  kind: 'Service',
  field: 'service',
  configKey: 'services',
  key: (service) => `${service.namespace}/${service.name}`,
  toProto: (service: Service): ServiceProto => ({
    name: service.name,
    namespace: service.namespace,
    clusterIp: service.clusterIP,
    selector: sorted(service.selector),
    ports: service.ports.map((port) => ({
      name: port.name ?? '',
      port: port.port,
      targetPort: port.targetPort,
      protocol: port.protocol,
      ...(port.appProtocol === undefined ? {} : { appProtocol: port.appProtocol }),
      opaque: port.opaque === true,
    })),
  }),
  fromProto: (body: Service__Output, name: string): Service => {
    if (body.ports.length === 0) throw new Error('ports: a Service needs at least one port');
    return {
      name: check.serviceName(body.name, 'name'),
      namespace: check.dnsLabel(body.namespace, 'namespace'),
      clusterIP: check.ipv4(body.clusterIp, 'clusterIp'),
      selector: check.labels(body.selector, 'selector'),
      ports: body.ports.map((port, index) => portFromProto(port, `ports[${index}]`)),
      source: resourceSource(name),
    };
  },
};
