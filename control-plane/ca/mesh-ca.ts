/**
 * The control plane's security, assembled from its flags: the CA (the
 * operator's, or Weft's own root kept in a CaStore), the node authenticator,
 * and, on a TCP listener, the TLS serving certificate. What it registers on
 * the discovery server's gRPC server is the Certificates service.
 *
 * Node authentication defaults (`--node-auth auto`):
 * - the state directory holds node tokens -> `token`;
 * - else a TCP listener -> `kubernetes` with the Kubernetes source, `token`
 *   otherwise (fail closed: no agent gets in until `weft token create`);
 * - else (a Unix socket, no tokens) -> `none`: file permissions on the
 *   socket say who may connect, as before node credentials existed.
 */
import { readFile } from 'node:fs/promises';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../core/log.js';
import type { MeshConfig } from '../../model/types.js';
import type { DiscoveryServer } from '../server/discovery-server.js';
import { CaMaterialError } from './ca-errors.js';
import type { CaMaterial } from './ca-material.js';
import { type CaStore, loadOrCreateRoot } from './ca-store.js';
import { CertificateAuthority } from './certificate-authority.js';
import { certificatesHandlers } from './certificates-service.js';
import { certificatesV1 } from '../../api/certificates-proto.js';
import { FileCaStore } from './file-ca-store.js';
import type { TrustBundlePublisher } from './kube-ca-root-config-map.js';
import { NoNodeAuthenticator, type NodeAuthenticator, type NodeAuthMode } from '../auth/node-authenticator.js';
import { NodeTokenAuthenticator } from '../auth/node-token-authenticator.js';
import { NodeTokenFile } from '../auth/node-tokens.js';
import { ServingCertificate, servingNames } from './serving-certificate.js';

export const meshCaDefaults = {
  stateDir: '/var/lib/weft',
  trustDomain: 'cluster.local',
  workloadTtlMs: 24 * 3_600_000,
  serverNames: ['weft-control-plane'],
} as const;

export interface OperatorCaFiles {
  certFile: string;
  keyFile: string;
  /** Roots, when the chain in certFile stops below the root. */
  bundleFile?: string;
}

export interface MeshCaOptions {
  trustDomain: string;
  workloadTtlMs: number;
  /** Node tokens live here, and Weft's own root unless `store` says otherwise. */
  stateDir: string;
  /** An operator-provided CA instead of Weft's own root. */
  operatorCa?: OperatorCaFiles;
  /** Where Weft's own root is kept; default: files in stateDir. */
  store?: CaStore;
  /**
   * Where agents read the trust bundle from (Kubernetes: the weft-ca-root
   * ConfigMap), written at every start once the CA is loaded or created,
   * whether it is Weft's own root or an operator's.
   */
  trustBundlePublisher?: TrustBundlePublisher;
  nodeAuth: NodeAuthMode | 'auto';
  /** Builds the `kubernetes` authenticator (TokenReview); absent without a Kubernetes API. */
  kubernetesAuth?: () => NodeAuthenticator;
  /** DNS names (and IPs) of the serving certificate. */
  serverNames: readonly string[];
}

export interface MeshCa {
  ca: CertificateAuthority;
  auth: NodeAuthenticator;
  /** Registers the Certificates service; `config` is what the control plane serves now. */
  register(server: DiscoveryServer, config: () => MeshConfig | undefined): void;
  /** TLS credentials for a TCP listener; undefined for a Unix socket (plaintext). */
  serverCredentials(listen: string): Promise<grpc.ServerCredentials | undefined>;
  close(): void;
}

async function readOperatorCa(files: OperatorCaFiles): Promise<CaMaterial> {
  const read = (file: string, what: string) =>
    readFile(file, 'utf8').catch((error: Error) => {
      throw new CaMaterialError(`cannot read the ${what} ${file}: ${error.message}`, { cause: error });
    });
  return {
    certChainPem: await read(files.certFile, 'CA certificate chain (--ca-cert)'),
    keyPem: await read(files.keyFile, 'CA key (--ca-key)'),
    ...(files.bundleFile ? { trustBundlePem: await read(files.bundleFile, 'trust bundle (--ca-bundle)') } : {}),
    origin: files.certFile,
  };
}

export async function resolveNodeAuthMode(options: Pick<MeshCaOptions, 'nodeAuth' | 'stateDir' | 'kubernetesAuth'>, listen: string): Promise<NodeAuthMode> {
  if (options.nodeAuth !== 'auto') return options.nodeAuth;
  const tokens = await new NodeTokenFile(options.stateDir).list();
  if (tokens.length > 0) return 'token';
  if (listen.startsWith('unix:')) return 'none';
  return options.kubernetesAuth ? 'kubernetes' : 'token';
}

export async function startMeshCa(options: MeshCaOptions, listen: string, log: Logger): Promise<MeshCa> {
  const material = options.operatorCa
    ? await readOperatorCa(options.operatorCa)
    : (await loadOrCreateRoot(options.store ?? new FileCaStore(options.stateDir), log)).material;
  const ca = await CertificateAuthority.open(material, { trustDomain: options.trustDomain, workloadTtlMs: options.workloadTtlMs, log });
  if (options.trustBundlePublisher) {
    // Before serving: an agent that mounts it must find the root this control plane's TLS chains to.
    const outcome = await options.trustBundlePublisher.publish(ca.trustBundlePem);
    log.info({ to: options.trustBundlePublisher.description, outcome }, 'trust bundle published for agents');
  }

  const mode = await resolveNodeAuthMode(options, listen);
  let auth: NodeAuthenticator;
  if (mode === 'token') {
    const tokens = new NodeTokenAuthenticator(options.stateDir, { log });
    const count = await tokens.start();
    if (count === 0) log.warn({ file: tokens.path }, 'node authentication is on and there are no node tokens yet: every agent is refused until `weft token create --node NAME`');
    auth = tokens;
  } else if (mode === 'kubernetes') {
    if (!options.kubernetesAuth) throw new CaMaterialError('--node-auth kubernetes needs the Kubernetes source (--kubernetes)');
    auth = options.kubernetesAuth();
  } else {
    auth = new NoNodeAuthenticator();
    if (!listen.startsWith('unix:')) log.warn({ listen }, 'node authentication is off on a TCP listener: anyone who can reach it can obtain any workload certificate by claiming its node');
  }
  log.info({ nodeAuth: mode, requested: options.nodeAuth }, 'node authentication');

  let serving: ServingCertificate | undefined;
  return {
    ca,
    auth,
    register(server, config) {
      server.addService(certificatesV1().Certificates.service, certificatesHandlers({ ca, auth, config, log }));
    },
    async serverCredentials(address) {
      if (address.startsWith('unix:')) return undefined;
      serving = new ServingCertificate(ca, servingNames(options.serverNames, address), { log });
      await serving.start();
      return serving.credentials();
    },
    close() {
      serving?.close();
      auth.close();
    },
  };
}
