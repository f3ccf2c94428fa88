/**
 * Where the Kubernetes source finds its API server, as a client-node
 * KubeConfig: a kubeconfig file (`--kubeconfig F`), a bare server URL
 * (tests, against the stand-in), or the usual search: $KUBECONFIG,
 * ~/.kube/config, then the in-cluster service account, which is how the
 * control plane runs as a Deployment. Reading the files, credentials
 * (tokens, token files re-read as they rotate, client certificates, exec
 * and auth-provider plugins) and TLS are client-node's; what is here is
 * the choice of source and errors that say what was wrong.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesSourceError } from './kubernetes-errors.js';

export interface KubeConfigOptions {
  kubeconfigPath?: string;
  /** A server URL and no credentials (tests: the stand-in API server). */
  server?: string;
}

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** A context for one server and an anonymous user. */
function bareServer(kubeConfig: KubeConfig, server: string): void {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubernetesSourceError(`server ${JSON.stringify(server)} is not a URL`);
  }
  kubeConfig.loadFromOptions({
    // client-node refuses plain HTTP unless TLS verification is off; for an http: URL there is nothing to verify.
    clusters: [{ name: 'server', server: url.href.replace(/\/$/, ''), skipTLSVerify: url.protocol === 'http:' }],
    // A user entry, even an empty one: without it client-node applies no cluster options at all.
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'server', cluster: 'server', user: 'anonymous' }],
    currentContext: 'server',
  });
}

interface Source {
  /** For messages: a file, "$KUBECONFIG (...)", "in-cluster service account", a URL. */
  origin: string;
  load: (kubeConfig: KubeConfig) => void;
}

/** $KUBECONFIG, ~/.kube/config, in-cluster, as client-node's loadFromDefault, minus its last resort (localhost:8080, no credentials), which is refused here. */
function defaultSource(): Source {
  const listed = process.env.KUBECONFIG ?? '';
  const home = join(homedir(), '.kube', 'config');
  if (listed !== '' || existsSync(home)) {
    // loadFromDefault merges every file $KUBECONFIG lists, as kubectl does.
    return { origin: listed !== '' ? `$KUBECONFIG (${listed})` : home, load: (kubeConfig) => kubeConfig.loadFromDefault() };
  }
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(serviceAccountToken)) {
    return { origin: 'in-cluster service account', load: (kubeConfig) => kubeConfig.loadFromCluster() };
  }
  throw new KubernetesSourceError('no kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running in a cluster (no service account); pass --kubeconfig');
}

function sourceOf(options: KubeConfigOptions): Source {
  const { server, kubeconfigPath } = options;
  if (server !== undefined) return { origin: server, load: (kubeConfig) => bareServer(kubeConfig, server) };
  if (kubeconfigPath !== undefined) return { origin: kubeconfigPath, load: (kubeConfig) => kubeConfig.loadFromFile(kubeconfigPath) };
  return defaultSource();
}

/** Throws KubernetesSourceError, naming where the config came from, when none can be loaded or it names no usable server. */
export function loadKubeConfig(options: KubeConfigOptions): KubeConfig {
  const kubeConfig = new KubeConfig();
  const { origin, load } = sourceOf(options);
  try {
    load(kubeConfig);
  } catch (error) {
    if (error instanceof KubernetesSourceError) throw error;
    throw new KubernetesSourceError(`kubeconfig ${origin}: ${(error as Error).message}`, { cause: error });
  }

  const context = kubeConfig.getCurrentContext();
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new KubernetesSourceError(
      context ? `kubeconfig ${origin}: context ${JSON.stringify(context)} is not there, or names no cluster` : `kubeconfig ${origin}: no current-context`,
    );
  }
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw new KubernetesSourceError(`kubeconfig ${origin}: cluster ${JSON.stringify(cluster.name)} has no server URL (${JSON.stringify(cluster.server)})`);
  }
  // client-node would say so only on the first request, from inside the informers' retries.
  if (url.protocol === 'http:' && !cluster.skipTLSVerify) {
    throw new KubernetesSourceError(`kubeconfig ${origin}: server ${url.href} is plain HTTP, which client-node accepts only with insecure-skip-tls-verify: true`);
  }
  return kubeConfig;
}
