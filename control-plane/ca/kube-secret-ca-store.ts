/**
 * Kubernetes mode keeps Weft's own root in a Secret (default
 * weft-system/weft-ca, keys ca-cert.pem and ca-key.pem), read and created
 * through the same KubeConfig the Kubernetes source uses. Creation is a
 * plain create: when two replicas race, the API server's 409 AlreadyExists
 * tells the loser to read the winner's root.
 *
 * The control plane's service account needs get and create on that Secret.
 * Nothing but the control plane reads it: agents get the root certificate
 * from the weft-ca-root ConfigMap (kube-ca-root-config-map.ts).
 */
import { ApiException, CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { CaKubernetesError, CaMaterialError } from './ca-errors.js';
import type { CaMaterial } from './ca-material.js';
import type { CaStore } from './ca-store.js';

export const secretCertKey = 'ca-cert.pem';
export const secretKeyKey = 'ca-key.pem';

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

export class KubeSecretCaStore implements CaStore {
  readonly #core: CoreV1Api;

  constructor(kubeConfig: KubeConfig, readonly namespace: string, readonly name: string) {
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
  }

  get description(): string {
    return `Secret ${this.namespace}/${this.name}`;
  }

  async load(): Promise<CaMaterial | undefined> {
    let secret: V1Secret;
    try {
      secret = await this.#core.readNamespacedSecret({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new CaKubernetesError(`cannot read ${this.description}: ${(error as Error).message}`, statusOf(error), { cause: error });
    }
    const field = (key: string) => {
      const value = secret.data?.[key];
      if (!value) throw new CaMaterialError(`${this.description} has no ${key}; delete the Secret to make a new CA (every workload certificate and agent trust bundle then changes)`);
      return Buffer.from(value, 'base64').toString('utf8');
    };
    return { certChainPem: field(secretCertKey), keyPem: field(secretKeyKey), origin: this.description };
  }

  async saveIfAbsent(material: CaMaterial): Promise<CaMaterial> {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: this.name, namespace: this.namespace, labels: { 'app.kubernetes.io/managed-by': 'weft', 'app.kubernetes.io/component': 'ca' } },
      type: 'Opaque',
      data: {
        [secretCertKey]: Buffer.from(material.certChainPem).toString('base64'),
        [secretKeyKey]: Buffer.from(material.keyPem).toString('base64'),
      },
    };
    try {
      await this.#core.createNamespacedSecret({ namespace: this.namespace, body });
      return { ...material, origin: this.description };
    } catch (error) {
      if (statusOf(error) !== 409) throw new CaKubernetesError(`cannot create ${this.description}: ${(error as Error).message}`, statusOf(error), { cause: error });
    }
    const winner = await this.load();
    if (!winner) throw new CaKubernetesError(`${this.description} was reported to exist but cannot be read`);
    return winner;
  }
}
