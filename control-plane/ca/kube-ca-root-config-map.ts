/**
 * Kubernetes mode publishes the CA's root certificates (the trust bundle
 * agents verify the control plane with) in a ConfigMap of their own, by
 * default weft-ca-root (key ca-cert.pem) beside the CA Secret. Agents mount
 * that ConfigMap: were they to mount the Secret, even with only its
 * certificate projected, the kubelet of every node would fetch the whole
 * Secret, CA key included. Istio's istio-ca-root-cert is the same idea.
 *
 * Written whenever a control plane has loaded or created its CA, so the
 * ConfigMap follows the Secret (a new root after the Secret was deleted, an
 * operator's CA) and is remade if someone deletes it. Idempotent, and safe
 * when replicas race: read first (nothing written when it already holds
 * this bundle); a create that gets 409 AlreadyExists, or an update that
 * gets 409 Conflict (written since it was read) or 404 (deleted since),
 * reads again and decides again, a bounded number of times.
 *
 * The control plane's service account needs get and update on that one
 * ConfigMap, and create on ConfigMaps in its namespace (a create cannot be
 * narrowed by name).
 */
import { ApiException, CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { CaKubernetesError } from './ca-errors.js';

export const caRootConfigMapName = 'weft-ca-root';
export const caRootConfigMapKey = 'ca-cert.pem';

/** Makes the trust bundle available to agents; `publish` resolves once it is stored. */
export interface TrustBundlePublisher {
  /** For messages: "ConfigMap weft-system/weft-ca-root". */
  readonly description: string;
  publish(trustBundlePem: string): Promise<PublishOutcome>;
}

export type PublishOutcome = 'created' | 'updated' | 'unchanged';

const labels = { 'app.kubernetes.io/managed-by': 'weft', 'app.kubernetes.io/component': 'ca' };

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

export class KubeCaRootConfigMap implements TrustBundlePublisher {
  readonly #core: CoreV1Api;
  readonly #attempts: number;

  constructor(kubeConfig: KubeConfig, readonly namespace: string, readonly name: string = caRootConfigMapName, options: { attempts?: number } = {}) {
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#attempts = options.attempts ?? 5;
  }

  get description(): string {
    return `ConfigMap ${this.namespace}/${this.name}`;
  }

  async publish(trustBundlePem: string): Promise<PublishOutcome> {
    const { name, namespace } = this;
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      const current = await this.#read();
      if (!current) {
        const body: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { [caRootConfigMapKey]: trustBundlePem } };
        try {
          await this.#core.createNamespacedConfigMap({ namespace, body });
          return 'created';
        } catch (error) {
          // Another replica created it first: read what it wrote.
          if (statusOf(error) === 409) continue;
          throw this.#failed('create', error);
        }
      }
      if (current.data?.[caRootConfigMapKey] === trustBundlePem) return 'unchanged';
      // A stale root (the CA was replaced) or a hand-edited one. The update is
      // conditional on the resourceVersion read; whatever else the ConfigMap
      // holds (other keys, labels, annotations) is kept.
      const body: V1ConfigMap = {
        ...current,
        metadata: { ...current.metadata, labels: { ...current.metadata?.labels, ...labels } },
        data: { ...current.data, [caRootConfigMapKey]: trustBundlePem },
      };
      delete body.metadata!.managedFields;
      try {
        await this.#core.replaceNamespacedConfigMap({ name, namespace, body });
        return 'updated';
      } catch (error) {
        // 409: written since it was read; 404: deleted since. Either way, look again.
        if (statusOf(error) === 409 || statusOf(error) === 404) continue;
        throw this.#failed('update', error);
      }
    }
    throw new CaKubernetesError(`cannot publish the CA root in ${this.description}: it kept changing under ${this.#attempts} attempts`);
  }

  async #read(): Promise<V1ConfigMap | undefined> {
    try {
      return await this.#core.readNamespacedConfigMap({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.#failed('read', error);
    }
  }

  #failed(verb: string, error: unknown): CaKubernetesError {
    return new CaKubernetesError(`cannot ${verb} ${this.description}: ${(error as Error).message}`, statusOf(error), { cause: error });
  }
}
