import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubernetesSourceError } from './kubernetes-errors.js';
import { loadKubeConfig } from './kubernetes-kubeconfig.js';

const kubeconfig = (user: string, cluster = 'server: https://10.0.0.1:6443\n    certificate-authority-data: Q0EtREFUQQ==') => `apiVersion: v1
kind: Config
current-context: ops
contexts:
- name: ops
  context: { cluster: prod, user: admin }
clusters:
- name: prod
  cluster:
    ${cluster}
users:
- name: admin
  user:
${user}
`;

describe('kubeconfig', () => {
  let dir = '';
  const saved = { KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST, HOME: process.env.HOME };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-kubeconfig-'));
    await writeFile(join(dir, 'admin.crt'), 'CERT');
    await writeFile(join(dir, 'admin.key'), 'KEY');
  });
  after(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(dir, { recursive: true, force: true });
  });

  const refused = (options: Parameters<typeof loadKubeConfig>[0], pattern: RegExp) =>
    assert.throws(() => loadKubeConfig(options), (error: unknown) => error instanceof KubernetesSourceError && pattern.test(error.message));

  it('loads a kubeconfig file through client-node: server, user, certificate files relative to the kubeconfig', async () => {
    await writeFile(join(dir, 'certs'), kubeconfig('    client-certificate: admin.crt\n    client-key: admin.key'));
    const config = loadKubeConfig({ kubeconfigPath: join(dir, 'certs') });
    assert.equal(config.getCurrentCluster()?.server, 'https://10.0.0.1:6443');
    assert.equal(config.getCurrentCluster()?.caData, 'Q0EtREFUQQ==');
    assert.equal(config.getCurrentUser()?.certFile, join(dir, 'admin.crt'));
    assert.equal(config.getCurrentUser()?.keyFile, join(dir, 'admin.key'));
  });

  it('makes a bare server URL a context of its own; plain HTTP is allowed only there', async () => {
    const config = loadKubeConfig({ server: 'http://127.0.0.1:8001/' });
    assert.equal(config.getCurrentCluster()?.server, 'http://127.0.0.1:8001');
    assert.equal(config.getCurrentCluster()?.skipTLSVerify, true);
    assert.equal(loadKubeConfig({ server: 'https://10.0.0.1:6443' }).getCurrentCluster()?.skipTLSVerify, false);
    refused({ server: 'not a url' }, /^server "not a url" is not a URL$/);
    await writeFile(join(dir, 'http'), kubeconfig('    token: abc', 'server: http://10.0.0.1:8080'));
    refused({ kubeconfigPath: join(dir, 'http') }, /is plain HTTP, which client-node accepts only with insecure-skip-tls-verify: true/);
  });

  it('says which kubeconfig is wrong, and how', async () => {
    refused({ kubeconfigPath: join(dir, 'missing') }, new RegExp(`^kubeconfig ${join(dir, 'missing')}: ENOENT`));
    await writeFile(join(dir, 'dev'), kubeconfig('    token: abc').replace('current-context: ops', 'current-context: dev'));
    refused({ kubeconfigPath: join(dir, 'dev') }, /context "dev" is not there, or names no cluster/);
    await writeFile(join(dir, 'no-server'), kubeconfig('    token: abc', 'insecure-skip-tls-verify: true'));
    refused({ kubeconfigPath: join(dir, 'no-server') }, /clusters\[0\]\.cluster\.server is missing/);
  });

  it('finds $KUBECONFIG, and says so when there is no kubeconfig and no cluster around it', async () => {
    await writeFile(join(dir, 'config'), kubeconfig('    token: abc'));
    delete process.env.KUBERNETES_SERVICE_HOST;
    process.env.KUBECONFIG = join(dir, 'config');
    assert.equal(loadKubeConfig({}).getCurrentUser()?.token, 'abc');
    process.env.KUBECONFIG = join(dir, 'nothing-here');
    refused({}, /^kubeconfig \$KUBECONFIG \(.*nothing-here\): ENOENT/);
    delete process.env.KUBECONFIG;
    process.env.HOME = dir; // no .kube/config in it
    refused({}, /^no kubeconfig found \(\$KUBECONFIG, ~\/\.kube\/config\) and not running in a cluster/);
  });
});
