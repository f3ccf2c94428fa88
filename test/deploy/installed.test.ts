/**
 * deploy/ run as a cluster would run it, minus the container runtime: the
 * control plane with its Deployment's args, user and capabilities against
 * the API stand-in (no API server runs here), and an agent on a testbed
 * node with its DaemonSet's args, env, capabilities and the files its
 * volumes would hold: the projected token (a TokenReview says whose it is)
 * and the root certificate from the ConfigMap the control plane published
 * it in. Every API request the control plane makes must be allowed by the
 * rendered RBAC, and every grant must be used. Then a second replica must
 * serve under the same root (and put a stale ConfigMap right), and the
 * uninstall DaemonSet's cleanup must leave nothing in bpffs.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as connectTcp, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CaClient } from '../../agent/identity/ca-client.js';
import { ControlPlaneChannel } from '../../agent/identity/control-plane-channel.js';
import { CaRequestError } from '../../agent/identity/identity-errors.js';
import { installRoot } from '../../core/paths.js';
import { caRootConfigMapKey } from '../../control-plane/ca/kube-ca-root-config-map.js';
import { secretCertKey, secretKeyKey } from '../../control-plane/ca/kube-secret-ca-store.js';
import { generateRootCa } from '../../control-plane/ca/root-ca.js';
import { customResource, namespace as namespaceFixture } from '../kube-standin/fixtures.js';
import type { KubeObject as StandinObject } from '../kube-standin/kube-object.js';
import { KubeStandin } from '../kube-standin/kube-standin.js';
import { typeAtPath } from '../kube-standin/resource-types.js';
import { Testbed } from '../../testbed/testbed.js';
import { asContainer, containerArgs, containerEnv, weftCommand } from './container-run.js';
import { examples, findObject, flag, render } from './rendered.js';

const installed = render();
const uninstall = render('uninstall');
const deploymentPod = findObject(installed, 'Deployment', 'weft-control-plane').spec.template.spec;
const controlPlaneContainer = deploymentPod.containers[0];
const agentPod = findObject(installed, 'DaemonSet', 'weft-agent').spec.template.spec;
const agentContainer = agentPod.containers[0];
const cleanupPod = findObject(uninstall, 'DaemonSet', 'weft-cleanup').spec.template.spec;
const cleanupContainer = cleanupPod.initContainers[0];

const dialled = flag(agentContainer.args, '--control-plane');
const dialledHost = dialled.slice(0, dialled.lastIndexOf(':'));
const dialledPort = dialled.slice(dialled.lastIndexOf(':') + 1);
const [caNamespace, caSecret] = flag(controlPlaneContainer.args, '--ca-secret').split('/') as [string, string];
const [rootNamespace, rootConfigMap] = flag(controlPlaneContainer.args, '--ca-root-configmap').split('/') as [string, string];

interface Access {
  group: string;
  resource: string;
  verb: string;
  namespace: string | undefined;
  name: string | undefined;
}

/** The RBAC attributes of a request, as the API server's authorizer reads them from the URL. */
function accessOf(request: { method: string; path: string; query: Record<string, string> }): Access {
  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(status))?$/.exec(request.path);
  if (!match) throw new Error(`${request.method} ${request.path}: not a resource path`);
  const [, , group = '', , namespace, plural, name, subresource] = match;
  const verb = request.method === 'POST' ? 'create' : request.method === 'PUT' ? 'update' : request.query.watch === 'true' ? 'watch' : name ? 'get' : 'list';
  // RBAC names a subresource as plural/subresource (httproutes/status)
  return { group, resource: subresource ? `${plural}/${subresource}` : plural!, verb, namespace, name };
}

interface Grant {
  rule: any;
  /** A Role's namespace; undefined for a ClusterRole (bound cluster-wide). */
  namespace: string | undefined;
}

function allows(grant: Grant, access: Access): boolean {
  const { rule } = grant;
  if (grant.namespace !== undefined && access.namespace !== grant.namespace) return false;
  if (!rule.apiGroups.includes(access.group) || !rule.resources.includes(access.resource) || !rule.verbs.includes(access.verb)) return false;
  return rule.resourceNames === undefined || (access.name !== undefined && rule.resourceNames.includes(access.name));
}

/** The rules bound to the control plane's service account. */
function controlPlaneGrants(): Grant[] {
  const account = deploymentPod.serviceAccountName;
  const grants: Grant[] = [];
  for (const binding of installed.filter((object) => object.kind === 'ClusterRoleBinding' || object.kind === 'RoleBinding')) {
    if (!binding.subjects.some((s: any) => s.kind === 'ServiceAccount' && s.name === account && s.namespace === 'weft-system')) continue;
    const role = findObject(installed, binding.roleRef.kind, binding.roleRef.name);
    for (const rule of role.rules) grants.push({ rule, namespace: binding.kind === 'RoleBinding' ? binding.metadata.namespace : undefined });
  }
  return grants;
}

describe('deploy/ as installed: control plane, agent, RBAC, second replica, uninstall', { timeout: 180_000 }, () => {
  let standin: KubeStandin;
  let testbed: Testbed;
  let bridge: Server | undefined;
  let agent: ChildProcess | undefined;
  let configDir: string;
  const token = `agent-token-${randomBytes(8).toString('hex')}`;
  const replicas: Array<{ address: string; pid: number }> = [];

  /** The control plane as its Deployment runs it; --listen on loopback (port 0), the API at the stand-in. */
  async function startReplica(): Promise<{ address: string; pid: number }> {
    const listen = flag(controlPlaneContainer.args, '--listen');
    const args = containerArgs(controlPlaneContainer, {}, {}).map((arg) => (arg === `--listen=${listen}` ? '--listen=127.0.0.1:0' : arg));
    const logFile = join(testbed.runDir, `control-plane-${replicas.length + 1}.log`);
    const argv = asContainer(controlPlaneContainer, deploymentPod, [...weftCommand, ...args, `--kubeconfig=${join(configDir, 'kubeconfig')}`]);
    const child = testbed.spawnOnHost('control-plane', argv, { logFile });
    const ready = await testbed.waitForLog(logFile, (line) => line.msg === 'control plane ready', 20_000);
    const replica = { address: String(ready.address), pid: child.pid! };
    replicas.push(replica);
    return replica;
  }

  before(async () => {
    standin = await KubeStandin.start();
    testbed = await Testbed.create({ nodes: ['node-1'], pods: [] });
    // Readable by the control plane's unprivileged user, and named for the run.
    configDir = mkdtempSync(join(tmpdir(), `${testbed.prefix}-cp-`));
    chmodSync(configDir, 0o755);
    writeFileSync(join(configDir, 'kubeconfig'), standin.kubeconfig(), { mode: 0o644 });

    standin.put(findObject(installed, 'Namespace', 'weft-system') as unknown as StandinObject);
    standin.put(namespaceFixture('shop', { 'weft.dev/mesh': 'enabled' }));
    const service = structuredClone(findObject(installed, 'Service', 'weft-control-plane'));
    service.spec.clusterIP = '10.96.0.15';
    standin.put(service as unknown as StandinObject);
    for (const example of examples().values()) standin.put(example as unknown as StandinObject);
    // A route of each kind, so the control plane writes route status (get the route, update its status).
    const parentRefs = [{ group: '', kind: 'Service', name: 'weft-control-plane', port: service.spec.ports[0].port }];
    const backendRefs = [{ name: 'weft-control-plane', port: service.spec.ports[0].port }];
    standin.put(customResource('gateway.networking.k8s.io/v1', 'HTTPRoute', 'weft-system', 'status-probe', { parentRefs, rules: [{ backendRefs }] }));
    standin.put(customResource('gateway.networking.k8s.io/v1', 'GRPCRoute', 'weft-system', 'status-probe', { parentRefs, rules: [{ backendRefs }] }));
    // What the API server's authenticator would say about the agent's projected token.
    const node = testbed.node('node-1');
    standin.tokenReviews.set(token, {
      username: `system:serviceaccount:weft-system:${agentPod.serviceAccountName}`,
      audiences: agentPod.volumes.flatMap((v: any) => v.projected?.sources ?? []).map((s: any) => s.serviceAccountToken?.audience).filter(Boolean),
      extra: { 'authentication.kubernetes.io/node-name': [node.name], 'authentication.kubernetes.io/pod-name': ['weft-agent-x7k2p'] },
    });
  });

  after(async () => {
    bridge?.close();
    await testbed?.destroy();
    await standin?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  const rootPublished = () => (standin.store.get(typeAtPath('', 'v1', 'configmaps')!, rootNamespace, rootConfigMap) as any)?.data as Record<string, string> | undefined;

  test('the control plane starts as its Deployment runs it (its uid, no capabilities, no_new_privs), makes the CA Secret and publishes its root', async () => {
    const replica = await startReplica();
    const secret = standin.store.get(typeAtPath('', 'v1', 'secrets')!, caNamespace, caSecret);
    assert.ok(secret, `no Secret ${caNamespace}/${caSecret}`);
    const data = (secret as any).data as Record<string, string>;
    assert.match(Buffer.from(data[secretCertKey]!, 'base64').toString(), /BEGIN CERTIFICATE/);
    assert.match(Buffer.from(data[secretKeyKey]!, 'base64').toString(), /PRIVATE KEY/);
    // The root alone, where agents mount it from.
    assert.deepEqual(rootPublished(), { [caRootConfigMapKey]: Buffer.from(data[secretCertKey]!, 'base64').toString() });
    // testbed sh and setpriv exec in turn: the pid is the control plane's node process.
    const status = readFileSync(`/proc/${replica.pid}/status`, 'utf8');
    assert.match(status, new RegExp(`^Uid:\\s+${deploymentPod.securityContext.runAsUser}\\s`, 'm'));
    assert.match(status, /^CapEff:\s+0+$/m);
    assert.match(status, /^NoNewPrivs:\s+1$/m);
    assert.ok(replica.address.startsWith('127.0.0.1:'));
  });

  test('the agent, as its DaemonSet runs it, authenticates with its token, trusts the control plane by the projected root, and gets ready', async () => {
    const [replica] = replicas;
    assert.ok(replica);
    // The node reaches the control plane through a Unix socket: 127.0.0.1:<port> in the node -> here -> the replica.
    const socket = join(testbed.runDir, 'control-plane-bridge.sock');
    bridge = createServer((client) => {
      const upstream = connectTcp(Number(replica.address.split(':')[1]), '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => bridge!.listen(socket, resolve));
    const forwarder = testbed.spawnInNode('node-1', [process.execPath, join(installRoot, 'dist', 'test', 'deploy', 'tcp-to-unix.js'), '127.0.0.1', dialledPort, socket]);
    await testbed.waitForLog(forwarder, (line) => line.msg === 'forwarding', 5_000);

    // The volumes as the kubelet fills them: the projected token, and the root from the ConfigMap the control plane published.
    const tokenDir = join(testbed.runDir, 'token');
    const caDir = join(testbed.runDir, 'mesh-ca');
    const mountPath = (volume: string) => agentContainer.volumeMounts.find((m: any) => m.name === volume).mountPath as string;
    const tokenVolume = agentPod.volumes.find((v: any) => v.projected);
    const caVolume = agentPod.volumes.find((v: any) => v.configMap);
    mkdirSync(tokenDir);
    mkdirSync(caDir);
    writeFileSync(join(tokenDir, tokenVolume.projected.sources[0].serviceAccountToken.path), token);
    const configMap = standin.store.get(typeAtPath('', 'v1', 'configmaps')!, caNamespace, caVolume.configMap.name) as any;
    assert.ok(configMap, `no ConfigMap ${caNamespace}/${caVolume.configMap.name} for the agent to mount`);
    for (const item of caVolume.configMap.items) writeFileSync(join(caDir, item.path), configMap.data[item.key]);

    const node = testbed.node('node-1');
    const env = containerEnv(agentContainer, { 'spec.nodeName': node.name, 'status.hostIP': node.ip });
    const args = containerArgs(agentContainer, env, {
      [mountPath(tokenVolume.name)]: tokenDir,
      [mountPath(caVolume.name)]: caDir,
      [flag(agentContainer.args, '--bpffs-root')]: testbed.pinRoot,
      // The hostPath of the cached config: in the run dir, never the machine's /var/lib/weft.
      [flag(agentContainer.args, '--state-dir')]: join(testbed.runDir, 'agent-state'),
    }).map((arg) => (arg === `--control-plane=${dialled}` ? `--control-plane=127.0.0.1:${dialledPort}` : arg));
    // Dialling an IP here, the agent is told the name it dials in the cluster: the certificate must carry it.
    args.push(`--control-plane-server-name=${dialledHost}`);
    const logFile = join(testbed.runDir, 'agent.log');
    agent = testbed.spawnInNode('node-1', asContainer(agentContainer, agentPod, [...weftCommand, ...args]), { logFile, env });
    await testbed.waitForLog(logFile, (line) => line.msg === 'trust bundle received', 20_000);
    await testbed.waitForLog(logFile, (line) => line.msg === 'agent ready', 20_000);

    const reviews = standin.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/tokenreviews'));
    assert.ok(reviews.length > 0, 'the control plane asked the API server who the token is');
    const probe = agentContainer.readinessProbe.httpGet as { path: string; port: number };
    const ready = await testbed.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${node.ip}:${probe.port}${probe.path}`], { netns: node.netns });
    assert.equal(ready.stdout, '200');
  });

  test('a second replica with the same args signs with the same root and puts a stale root ConfigMap right; it accepts the agent\'s token and refuses others', async () => {
    const secrets = () => standin.store.list(typeAtPath('', 'v1', 'secrets')!).length;
    const before = secrets();
    const bundle = readFileSync(join(testbed.runDir, 'mesh-ca', caRootConfigMapKey), 'utf8');
    // A root that is not the CA's (left from an earlier install, or edited by hand): agents would refuse the control plane.
    const stale = structuredClone(standin.store.get(typeAtPath('', 'v1', 'configmaps')!, rootNamespace, rootConfigMap)!);
    stale.data = { [caRootConfigMapKey]: (await generateRootCa('stale')).certChainPem };
    standin.put(stale);
    const second = await startReplica();
    assert.equal(secrets(), before, 'no second CA');
    assert.deepEqual(rootPublished(), { [caRootConfigMapKey]: bundle }, 'the CA\'s root again');
    // Other tokens the API server knows: another service account's, and the agent's for another audience.
    standin.tokenReviews.set('shop-default-token', { username: 'system:serviceaccount:shop:default', audiences: ['weft'], extra: { 'authentication.kubernetes.io/node-name': ['node-1'] } });
    standin.tokenReviews.set('api-audience-token', { ...standin.tokenReviews.get(token)!, audiences: ['https://kubernetes.default.svc'] });
    const trustBundleWith = async (credential: string) => {
      const tokenFile = join(testbed.runDir, `token-${randomBytes(4).toString('hex')}`);
      writeFileSync(tokenFile, credential);
      // TLS verified against the projected root, under the name agents dial.
      const channel = new ControlPlaneChannel({ address: second.address, caPem: bundle, serverName: dialledHost, tokenFile });
      return new CaClient({ channel, node: 'node-1', timeoutMs: 5_000 }).trustBundle().then(
        (answer) => answer.trustBundlePem,
        (error: unknown) => (error instanceof CaRequestError ? grpc.status[error.grpcCode] : String(error)),
      );
    };
    assert.equal(await trustBundleWith(token), bundle);
    assert.equal(await trustBundleWith('a-token-nobody-issued'), 'UNAUTHENTICATED');
    assert.equal(await trustBundleWith('api-audience-token'), 'UNAUTHENTICATED');
    assert.equal(await trustBundleWith('shop-default-token'), 'PERMISSION_DENIED');
  });

  test('RBAC: every API request the control plane made is allowed, and every grant was used', async () => {
    // Route status is written after the first config is served: wait for both routes' writes.
    const deadline = Date.now() + 10_000;
    const statusWrites = () => standin.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status')).length;
    while (statusWrites() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const grants = controlPlaneGrants();
    const accesses = standin.requests.map(accessOf);
    assert.ok(accesses.length > 0);
    for (const access of accesses) {
      assert.ok(grants.some((grant) => allows(grant, access)), `denied: ${access.verb} ${access.group || 'core'}/${access.resource}${access.namespace ? ` in ${access.namespace}` : ''}${access.name ? ` ${access.name}` : ''}`);
    }
    for (const grant of grants) {
      for (const group of grant.rule.apiGroups) {
        for (const resource of grant.rule.resources) {
          for (const verb of grant.rule.verbs) {
            const used = accesses.some((access) => access.group === group && access.resource === resource && access.verb === verb && allows(grant, access));
            assert.ok(used, `granted but never used: ${verb} ${group || 'core'}/${resource}`);
          }
        }
      }
    }
  });

  test('uninstall: the cleanup DaemonSet\'s command removes every pin the agent left', async () => {
    const node = testbed.node('node-1');
    const pinDir = join(testbed.pinRoot, node.name);
    assert.ok(agent);
    if (agent.exitCode === null && agent.signalCode === null) {
      const exited = new Promise((resolve) => agent!.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    assert.ok(existsSync(join(pinDir, 'mesh_dst')), 'a stopped agent leaves its pins');
    const env = containerEnv(cleanupContainer, { 'spec.nodeName': node.name });
    const args = containerArgs(cleanupContainer, env, { [flag(agentContainer.args, '--bpffs-root')]: testbed.pinRoot });
    await testbed.run(asContainer(cleanupContainer, cleanupPod, [...weftCommand, ...args]), { netns: node.netns });
    assert.equal(existsSync(pinDir), false);
  });
});
