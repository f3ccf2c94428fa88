/**
 * The fields of API objects the source reads, as the API server sends them
 * in JSON (timestamps as strings: the informers' caches hold the wire's
 * JSON, not client-node's model classes). Deliberately partial: everything
 * else is carried along unread.
 */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ApiObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

export interface Pod extends ApiObject {
  spec?: { nodeName?: string; serviceAccountName?: string; hostNetwork?: boolean };
  status?: { phase?: string; podIP?: string; podIPs?: { ip?: string }[]; qosClass?: string };
}

export interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface Service extends ApiObject {
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; selector?: Record<string, string>; ports?: ServicePort[] };
}

export interface NodeAddress {
  /** InternalIP, ExternalIP, Hostname, InternalDNS, ExternalDNS. */
  type?: string;
  address?: string;
}

export interface Node extends ApiObject {
  status?: { addresses?: NodeAddress[] };
}
