/** Every failure Weft reports has a class and a stable `WEFT_ERR_*` code. */
export class WeftError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class ConfigError extends WeftError {
  constructor(message: string, readonly file?: string, readonly path?: string, readonly line?: number) {
    super('WEFT_ERR_CONFIG', message);
  }
}

export class PrivilegeError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_PRIVILEGE', message);
  }
}

/** Why the proxy refused a connection; the reason is a label in logs and metrics. */
export type RefusalReason =
  | 'no_original_destination'
  | 'unknown_source_workload'
  | 'unknown_destination'
  | 'no_healthy_endpoint'
  | 'upstream_connect_failed';

export class ConnectionRefusedError extends WeftError {
  constructor(readonly reason: RefusalReason, message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_CONNECTION_REFUSED', message, options);
  }
}

export class BpfError extends WeftError {
  readonly errno: number;
  readonly errnoName: string | undefined;
  constructor(native: { code?: string; message: string; errno?: number; errnoName?: string }) {
    super(native.code ?? 'WEFT_ERR_BPF', native.message);
    this.errno = native.errno ?? 0;
    this.errnoName = native.errnoName;
  }
}

// --- agent <-> control-plane API (api/, control-plane/server, agent/xds) ---

/** A resource from the control plane that the agent cannot turn into a valid model object; it is NACKed. */
export class ResourceRejectedError extends WeftError {
  constructor(readonly resourceName: string, message: string) {
    super('WEFT_ERR_RESOURCE_REJECTED', message);
  }
}

/** Two resource kinds claim the same name, oneof field or MeshConfig array: a wiring bug. */
export class ResourceRegistryError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_RESOURCE_REGISTRY', message);
  }
}

/** A discovery stream broke the protocol (say, no node on its first request); the stream is ended. */
export class DiscoveryProtocolError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_DISCOVERY_PROTOCOL', message);
  }
}

/** The control plane could not listen on its address. */
export class ControlPlaneListenError extends WeftError {
  constructor(readonly address: string, message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_CONTROL_PLANE_LISTEN', message, options);
  }
}

// --- the Kubernetes source (control-plane/sources/kubernetes-*.ts) ---

/** No usable kubeconfig, or the API server could not be listed from in time. */
export class KubernetesSourceError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_ERR_KUBERNETES', message, options);
  }
}

/**
 * The API server answered with a failure: an HTTP status, or a watch ERROR
 * event, with what its v1 Status said. `statusCode` is named as on
 * client-node's own errors, which is what its ListWatch looks at to tell a
 * 410 Gone (relist) from any other failure.
 */
export class KubernetesApiError extends WeftError {
  constructor(readonly statusCode: number, readonly reason: string, message: string) {
    super('WEFT_ERR_KUBERNETES_API', `${statusCode} ${reason}: ${message}`);
  }

  /** From a v1 Status (an object, or the JSON text client-node leaves in ApiException.body), or whatever came instead. */
  static fromStatus(httpStatus: number, body: unknown): KubernetesApiError {
    let parsed = body;
    if (typeof body === 'string') {
      try {
        parsed = JSON.parse(body);
      } catch {
        // not JSON: the text itself is the message
      }
    }
    const status = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as { code?: unknown; reason?: unknown; message?: unknown };
    return new KubernetesApiError(
      typeof status.code === 'number' ? status.code : httpStatus,
      typeof status.reason === 'string' ? status.reason : 'Unknown',
      typeof status.message === 'string' ? status.message : typeof body === 'string' && body !== '' ? body.slice(0, 200) : 'no Status in the response',
    );
  }
}
