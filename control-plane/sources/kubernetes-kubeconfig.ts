/**
 * Where the Kubernetes source finds its API server, and how it proves who
 * it is: a kubeconfig file (`--kubeconfig F`), a bare server URL (tests,
 * against the stand-in), or the usual search: $KUBECONFIG, ~/.kube/config,
 * then the in-cluster service account, which is how the control plane runs
 * as a Deployment. Credentials: bearer token (inline or a file re-read as it
 * rotates), client certificate, basic auth. Exec and auth-provider plugins
 * (cloud logins) are refused with a message: they run programs, which a
 * control plane in a cluster uses a service account instead of.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { KubernetesSourceError } from './kubernetes-errors.js';

export interface ApiServerConfig {
  server: URL;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  token?: string;
  /** Read again as it changes: projected service account tokens rotate. */
  tokenFile?: string;
  username?: string;
  password?: string;
  /** Where this came from, for messages: a file, "in-cluster", "--server". */
  origin: string;
}

export interface KubeConfigOptions {
  kubeconfigPath?: string;
  /** A server URL and no credentials (tests: the stand-in API server). */
  server?: string;
}

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

type Entry = Record<string, unknown>;

function fail(origin: string, message: string): never {
  throw new KubernetesSourceError(`kubeconfig ${origin}: ${message}`);
}

function named(origin: string, list: unknown, name: unknown, what: string, field: string): Entry {
  const entry = Array.isArray(list) ? (list as Entry[]).find((item) => item?.name === name) : undefined;
  const value = entry?.[field];
  if (!value || typeof value !== 'object') fail(origin, `no ${what} named ${JSON.stringify(name)}`);
  return value as Entry;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `<field>-data` (base64) or `<field>` (a path, relative to the kubeconfig's directory). */
function fileOrData(origin: string, entry: Entry, field: string, baseDir: string): Buffer | undefined {
  const data = str(entry[`${field}-data`]);
  if (data) return Buffer.from(data, 'base64');
  const path = str(entry[field]);
  if (!path) return undefined;
  try {
    return readFileSync(isAbsolute(path) ? path : join(baseDir, path));
  } catch (error) {
    fail(origin, `cannot read ${field} ${path}: ${(error as Error).message}`);
  }
}

export function parseKubeconfig(text: string, origin: string, baseDir: string): ApiServerConfig {
  let document: Entry;
  try {
    document = (parse(text) ?? {}) as Entry;
  } catch (error) {
    fail(origin, `not YAML: ${(error as Error).message}`);
  }
  const contextName = document['current-context'];
  if (!str(contextName)) fail(origin, 'no current-context');
  const context = named(origin, document.contexts, contextName, 'context', 'context');
  const cluster = named(origin, document.clusters, context.cluster, 'cluster', 'cluster');
  const user = context.user === undefined ? {} : named(origin, document.users, context.user, 'user', 'user');

  if (user.exec || user['auth-provider']) {
    fail(origin, `user ${JSON.stringify(context.user)} logs in through an ${user.exec ? 'exec' : 'auth-provider'} plugin, which Weft does not run; give it a token or a client certificate (a ServiceAccount token works)`);
  }
  if (cluster['proxy-url']) fail(origin, 'proxy-url is not supported');
  const server = str(cluster.server);
  if (!server) fail(origin, `cluster ${JSON.stringify(context.cluster)} has no server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    fail(origin, `server ${JSON.stringify(server)} is not a URL`);
  }

  const config: ApiServerConfig = { server: url, insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true, origin };
  const ca = fileOrData(origin, cluster, 'certificate-authority', baseDir);
  const cert = fileOrData(origin, user, 'client-certificate', baseDir);
  const key = fileOrData(origin, user, 'client-key', baseDir);
  if (ca) config.ca = ca;
  if (cert) config.cert = cert;
  if (key) config.key = key;
  const tlsServerName = str(cluster['tls-server-name']);
  if (tlsServerName) config.tlsServerName = tlsServerName;
  const token = str(user.token);
  const tokenFile = str(user.tokenFile);
  if (token) config.token = token;
  else if (tokenFile) config.tokenFile = isAbsolute(tokenFile) ? tokenFile : join(baseDir, tokenFile);
  const username = str(user.username);
  if (username) {
    config.username = username;
    config.password = str(user.password) ?? '';
  }
  return config;
}

function fromFile(path: string): ApiServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KubernetesSourceError(`cannot read kubeconfig ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseKubeconfig(text, path, dirname(path));
}

function inCluster(): ApiServerConfig | undefined {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !existsSync(join(serviceAccountDir, 'token'))) return undefined;
  return {
    server: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`),
    ca: readFileSync(join(serviceAccountDir, 'ca.crt')),
    insecureSkipTlsVerify: false,
    tokenFile: join(serviceAccountDir, 'token'),
    origin: 'in-cluster service account',
  };
}

export function loadApiServerConfig(options: KubeConfigOptions): ApiServerConfig {
  if (options.server !== undefined) {
    try {
      return { server: new URL(options.server), insecureSkipTlsVerify: false, origin: options.server };
    } catch {
      throw new KubernetesSourceError(`server ${JSON.stringify(options.server)} is not a URL`);
    }
  }
  if (options.kubeconfigPath !== undefined) return fromFile(options.kubeconfigPath);
  // $KUBECONFIG may list several files; kubectl merges them, here the first that exists is used.
  const listed = (process.env.KUBECONFIG ?? '').split(delimiter).filter((path) => path !== '');
  const candidates = [...listed, ...(listed.length === 0 ? [join(homedir(), '.kube', 'config')] : [])];
  const file = candidates.find((path) => existsSync(path));
  if (file) return fromFile(file);
  const cluster = inCluster();
  if (cluster) return cluster;
  throw new KubernetesSourceError(
    `no kubeconfig found (${listed.length > 0 ? '$KUBECONFIG' : '~/.kube/config'}) and not running in a cluster (no service account); pass --kubeconfig`,
  );
}
