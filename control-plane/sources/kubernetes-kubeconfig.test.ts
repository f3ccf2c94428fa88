import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubernetesSourceError } from './kubernetes-errors.js';
import { loadApiServerConfig, parseKubeconfig } from './kubernetes-kubeconfig.js';

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
  const saved = { KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };
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

  it('reads the current context: server, CA data, client certificate files relative to the kubeconfig', () => {
    const config = parseKubeconfig(kubeconfig('    client-certificate: admin.crt\n    client-key: admin.key'), 'test', dir);
    assert.equal(config.server.href, 'https://10.0.0.1:6443/');
    assert.equal(config.ca?.toString(), 'CA-DATA');
    assert.equal(config.cert?.toString(), 'CERT');
    assert.equal(config.key?.toString(), 'KEY');
    assert.equal(config.insecureSkipTlsVerify, false);
  });

  it('reads a token, or a token file to be re-read', () => {
    assert.equal(parseKubeconfig(kubeconfig('    token: abc'), 'test', dir).token, 'abc');
    assert.equal(parseKubeconfig(kubeconfig('    tokenFile: token'), 'test', dir).tokenFile, join(dir, 'token'));
  });

  it('refuses what it cannot do, saying why', () => {
    const refused = (text: string, pattern: RegExp) =>
      assert.throws(() => parseKubeconfig(text, 'k.yaml', dir), (error: unknown) => error instanceof KubernetesSourceError && pattern.test(error.message));
    refused(kubeconfig('    exec: { command: aws, apiVersion: client.authentication.k8s.io/v1beta1 }'), /^kubeconfig k\.yaml: user "admin" logs in through an exec plugin/);
    refused(kubeconfig('    token: abc').replace('current-context: ops', 'current-context: dev'), /no context named "dev"/);
    refused(kubeconfig('    token: abc', 'insecure-skip-tls-verify: true'), /cluster "prod" has no server/);
    refused(kubeconfig('    client-certificate: missing.crt'), /cannot read client-certificate missing\.crt/);
  });

  it('finds $KUBECONFIG, and says so when there is no kubeconfig and no cluster around it', async () => {
    await writeFile(join(dir, 'config'), kubeconfig('    token: abc'));
    delete process.env.KUBERNETES_SERVICE_HOST;
    process.env.KUBECONFIG = join(dir, 'config');
    assert.equal(loadApiServerConfig({}).origin, join(dir, 'config'));
    process.env.KUBECONFIG = join(dir, 'nothing-here');
    assert.throws(() => loadApiServerConfig({}), /no kubeconfig found \(\$KUBECONFIG\) and not running in a cluster/);
  });
});
