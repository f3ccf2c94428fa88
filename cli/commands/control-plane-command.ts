import { InvalidArgumentError, Option, type Command } from 'commander';
import { directorySource, runControlPlane, type ConfigSource } from '../../control-plane/app.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { caRootConfigMapName, KubeCaRootConfigMap } from '../../control-plane/ca/kube-ca-root-config-map.js';
import { KubeSecretCaStore } from '../../control-plane/ca/kube-secret-ca-store.js';
import { meshCaDefaults, type MeshCaOptions } from '../../control-plane/ca/mesh-ca.js';
import { TokenReviewAuthenticator } from '../../control-plane/auth/token-review-authenticator.js';
import { parseDuration } from '../../core/duration.js';
import { loadKubeConfig } from '../../control-plane/sources/kubernetes-kubeconfig.js';
import { KubernetesSource } from '../../control-plane/sources/kubernetes-source.js';
import { logger } from '../../core/log.js';

const nodeAuthModes = ['auto', 'token', 'kubernetes', 'none'] as const;

function certTtl(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 1_000) throw new InvalidArgumentError(`'${value}' is not a duration of 1s or more (e.g. 24h, 90m, 2m)`);
  return ms;
}

function nodeAuthMode(value: string): MeshCaOptions['nodeAuth'] {
  if (!(nodeAuthModes as readonly string[]).includes(value)) throw new InvalidArgumentError(`'${value}' is not one of ${nodeAuthModes.join(', ')}`);
  return value as MeshCaOptions['nodeAuth'];
}

function namespacedName(value: string): { namespace: string; name: string } {
  const match = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9.-]*)$/.exec(value);
  if (!match) throw new InvalidArgumentError(`'${value}' is not NAMESPACE/NAME`);
  return { namespace: match[1]!, name: match[2]! };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter((name) => name !== '')];
}

/**
 * The CA and node-authentication flags -> MeshCaOptions. With the Kubernetes
 * source, Weft's own root is kept in a Secret, the trust bundle is published
 * for agents in a ConfigMap, and agents may authenticate with
 * service-account tokens (TokenReview), through the source's KubeConfig.
 */
function securityOptions(flags: Record<string, any>, kubeConfig: KubeConfig | undefined): MeshCaOptions {
  if (Boolean(flags.caCert) !== Boolean(flags.caKey)) throw new InvalidArgumentError('--ca-cert and --ca-key go together');
  if (flags.caBundle && !flags.caCert) throw new InvalidArgumentError('--ca-bundle goes with --ca-cert and --ca-key');
  if (!kubeConfig && (flags.caSecret || flags.caRootConfigmap || flags.agentServiceAccount || flags.tokenAudience)) {
    throw new InvalidArgumentError('--ca-secret, --ca-root-configmap, --agent-service-account and --token-audience go with --kubernetes');
  }
  const secret = namespacedName(flags.caSecret ?? 'weft-system/weft-ca');
  const rootConfigMap = namespacedName(flags.caRootConfigmap ?? `${secret.namespace}/${caRootConfigMapName}`);
  const kubernetes = kubeConfig
    ? {
        store: new KubeSecretCaStore(kubeConfig, secret.namespace, secret.name),
        trustBundlePublisher: new KubeCaRootConfigMap(kubeConfig, rootConfigMap.namespace, rootConfigMap.name),
        kubernetesAuth: () =>
          new TokenReviewAuthenticator({
            kubeConfig,
            agentServiceAccount: namespacedName(flags.agentServiceAccount ?? 'weft-system/weft-agent'),
            audience: flags.tokenAudience ?? 'weft',
          }),
      }
    : {};
  return {
    ...kubernetes,
    trustDomain: flags.trustDomain,
    workloadTtlMs: flags.certTtl,
    stateDir: flags.stateDir,
    ...(flags.caCert ? { operatorCa: { certFile: flags.caCert, keyFile: flags.caKey, ...(flags.caBundle ? { bundleFile: flags.caBundle } : {}) } } : {}),
    nodeAuth: flags.nodeAuth,
    serverNames: flags.serverName.length > 0 ? flags.serverName : [...meshCaDefaults.serverNames],
  };
}

export function registerControlPlaneCommand(program: Command): void {
  program
    .command('control-plane')
    .description('serve mesh config to the node agents over gRPC, from a watched directory or the Kubernetes API')
    .requiredOption('--listen <addr>', 'unix:/path/to.sock or host:port')
    .option('--config-dir <dir>', 'a directory of manifests, watched: edits apply without a restart')
    .option('--kubernetes', 'read the Kubernetes API (list+watch) instead of a directory')
    .option('--kubeconfig <file>', 'with --kubernetes: the kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--state-dir <dir>', "the CA's root and key (unless --ca-cert) and the node tokens", meshCaDefaults.stateDir)
    .option('--trust-domain <domain>', 'the trust domain of every SPIFFE ID the CA signs', meshCaDefaults.trustDomain)
    .addOption(new Option('--cert-ttl <duration>', 'lifetime of workload certificates (24h, 90m, 2m, ...)').argParser(certTtl).default(meshCaDefaults.workloadTtlMs, '24h'))
    .option('--ca-cert <file>', 'an operator-provided CA: its certificate, then any intermediates, optionally the root (PEM)')
    .option('--ca-key <file>', "with --ca-cert: the CA certificate's private key (PEM)")
    .option('--ca-bundle <file>', "with --ca-cert: the roots (PEM), when the chain file does not end in the root")
    .option('--node-auth <mode>', `agent authentication: ${nodeAuthModes.join('|')}; auto is token when the state dir has node tokens, else none on a unix socket and token (kubernetes with --kubernetes) on TCP`, nodeAuthMode, 'auto')
    .option('--ca-secret <namespace/name>', 'with --kubernetes: the Secret holding Weft\'s own root (default: weft-system/weft-ca)')
    .option('--ca-root-configmap <namespace/name>', "with --kubernetes: the ConfigMap where the CA's root certificate is published for agents, key ca-cert.pem (default: the CA Secret's namespace/weft-ca-root)")
    .option('--agent-service-account <namespace/name>', 'with --kubernetes and --node-auth kubernetes: the agents\' service account (default: weft-system/weft-agent)')
    .option('--token-audience <audience>', 'with --node-auth kubernetes: the audience of agent tokens (default: weft)')
    .addOption(
      new Option('--server-name <name>', 'a DNS name (or IP) of the TLS serving certificate on TCP; repeatable')
        .argParser(collect)
        .default([], meshCaDefaults.serverNames.join(', ')),
    )
    .action(async (flags) => {
      if (Boolean(flags.configDir) === Boolean(flags.kubernetes)) {
        throw new InvalidArgumentError('give exactly one of --config-dir DIR and --kubernetes');
      }
      if (flags.kubeconfig && !flags.kubernetes) throw new InvalidArgumentError('--kubeconfig goes with --kubernetes');
      // One KubeConfig for the source, the CA's Secret and TokenReviews.
      const kubeConfig = flags.kubernetes ? loadKubeConfig(flags.kubeconfig ? { kubeconfigPath: flags.kubeconfig } : {}) : undefined;
      const security = securityOptions(flags, kubeConfig);
      const source: ConfigSource = kubeConfig
        ? new KubernetesSource({ kubeConfig, log: logger('kubernetes-source') })
        : directorySource(flags.configDir);
      const running = await runControlPlane({ listen: flags.listen, security }, source);
      const log = logger('cli');
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        running.stop().then(() => process.exit(0), () => process.exit(1));
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
