/**
 * deploy/ as `kubectl apply -k deploy/` sends it: renders offline, every
 * object valid under the Kubernetes API's schemas (no unknown fields
 * either), and wired together: RBAC grants exactly what the Kubernetes
 * source and the CA use, the agent dials the Service the control plane
 * serves under a name its certificate carries, with a token the control
 * plane's TokenReview accepts. What the objects do when run is
 * installed.test.ts and agent-capabilities.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentDefaults } from '../../agent/config.js';
import { caRootConfigMapKey } from '../../control-plane/ca/kube-ca-root-config-map.js';
import { MESH_LABEL } from '../../control-plane/manifests/document-checks.js';
import { watchedResources } from '../../control-plane/sources/kubernetes-resources.js';
import { kubernetesSchemaProblems } from './kubernetes-schemas.js';
import { examples, findObject, flag, flagValues, type KubeObject, render } from './rendered.js';

const installed = render();
const uninstall = render('uninstall');
const namespace = 'weft-system';

function podSpec(workload: KubeObject): any {
  return workload.spec.template.spec;
}

function container(workload: KubeObject, name: string): any {
  const found = podSpec(workload).containers.find((c: { name: string }) => c.name === name);
  if (!found) throw new Error(`${workload.kind} ${workload.metadata.name} has no container ${name}`);
  return found;
}

const deployment = findObject(installed, 'Deployment', 'weft-control-plane');
const daemonSet = findObject(installed, 'DaemonSet', 'weft-agent');
const controlPlane = container(deployment, 'control-plane');
const agent = container(daemonSet, 'agent');

describe('deploy/ renders and validates', () => {
  test('`kubectl kustomize deploy/` renders, offline, the whole install', () => {
    const kinds = installed.map((object) => `${object.kind}/${object.metadata.name}`).sort();
    assert.deepEqual(kinds, [
      'ClusterRole/weft-control-plane',
      'ClusterRoleBinding/weft-control-plane',
      'CustomResourceDefinition/authorizationpolicies.weft.dev',
      'CustomResourceDefinition/peerauthentications.weft.dev',
      'DaemonSet/weft-agent',
      'Deployment/weft-control-plane',
      'Namespace/weft-system',
      'PodDisruptionBudget/weft-control-plane',
      'Role/weft-ca',
      'RoleBinding/weft-ca',
      'Service/weft-control-plane',
      'ServiceAccount/weft-agent',
      'ServiceAccount/weft-control-plane',
    ]);
  });

  for (const object of [...installed, ...uninstall, ...examples().values()].filter((o) => !o.apiVersion.includes('weft.dev'))) {
    test(`${object.kind} ${object.metadata.name} is valid under the Kubernetes API's schemas`, async () => {
      assert.deepEqual(await kubernetesSchemaProblems(object), []);
    });
  }

  test('the schema check catches what a typo or a wrong type would break', async () => {
    const typo = structuredClone(daemonSet);
    typo.spec.template.spec.hostNetWork = true;
    assert.deepEqual(await kubernetesSchemaProblems(typo), ['DaemonSet weft-agent: unknown field spec.template.spec.hostNetWork']);
    const wrongType = structuredClone(daemonSet);
    wrongType.spec.template.spec.containers[0].ports[0].containerPort = 'outbound';
    assert.equal((await kubernetesSchemaProblems(wrongType)).length, 1);
  });

  test('namespaced objects live in weft-system, which is never meshed', () => {
    const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);
    for (const object of [...installed, ...uninstall]) {
      assert.equal(object.metadata.namespace, clusterScoped.has(object.kind) ? undefined : namespace, `${object.kind} ${object.metadata.name}`);
    }
    assert.equal(findObject(installed, 'Namespace', namespace).metadata.labels?.[MESH_LABEL], 'disabled');
  });

  test('one image everywhere', () => {
    const images = new Set(
      [...installed, ...uninstall]
        .filter((object) => object.spec?.template)
        .flatMap((object) => [...(podSpec(object).initContainers ?? []), ...podSpec(object).containers].map((c: { image: string }) => c.image)),
    );
    assert.deepEqual([...images], ['ghcr.io/weft-mesh/weft:0.1.0']);
  });
});

describe('RBAC is least privilege', () => {
  const clusterRole = findObject(installed, 'ClusterRole', 'weft-control-plane');
  const role = findObject(installed, 'Role', 'weft-ca');

  test('the ClusterRole lists and watches exactly the Kubernetes source\'s resources, writes route status, and creates TokenReviews', () => {
    const granted = clusterRole.rules.flatMap((rule: any) =>
      rule.apiGroups.flatMap((group: string) => rule.resources.flatMap((resource: string) => rule.verbs.map((verb: string) => `${group}/${resource}:${verb}`))),
    );
    const wanted = [
      ...watchedResources.flatMap((resource) => ['list', 'watch'].map((verb) => `${resource.group}/${resource.plural}:${verb}`)),
      'authentication.k8s.io/tokenreviews:create',
      // route status (kubernetes-route-status.ts): read the route, replace its status
      ...['httproutes', 'grpcroutes'].flatMap((plural) => [`gateway.networking.k8s.io/${plural}:get`, `gateway.networking.k8s.io/${plural}/status:update`]),
    ];
    assert.deepEqual(granted.sort(), wanted.sort());
    assert.ok(clusterRole.rules.every((rule: any) => rule.resourceNames === undefined && !rule.verbs.includes('*') && !rule.resources.includes('*')));
  });

  test('the CA Role reads one Secret and reads and updates one ConfigMap by name, the ones the flags name, and can create only in weft-system', () => {
    const [secretNamespace, secretName] = flag(controlPlane.args, '--ca-secret').split('/');
    const [configMapNamespace, configMapName] = flag(controlPlane.args, '--ca-root-configmap').split('/');
    assert.equal(role.metadata.namespace, secretNamespace);
    assert.equal(configMapNamespace, secretNamespace);
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['secrets'], resourceNames: [secretName], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: [configMapName], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    ]);
  });

  test('the bindings give those roles to the control plane\'s service account and to nobody else', () => {
    const serviceAccount = podSpec(deployment).serviceAccountName;
    for (const [kind, name] of [['ClusterRoleBinding', 'weft-control-plane'], ['RoleBinding', 'weft-ca']] as const) {
      const binding = findObject(installed, kind, name);
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: serviceAccount, namespace }]);
    }
    const bindings = installed.filter((object) => object.kind.endsWith('Binding'));
    assert.equal(bindings.length, 2, 'the agent\'s service account is bound to nothing');
  });
});

describe('the control plane and the agent are wired to each other', () => {
  const service = findObject(installed, 'Service', 'weft-control-plane');
  const dialled = flag(agent.args, '--control-plane');
  const [dialledHost, dialledPort] = [dialled.slice(0, dialled.lastIndexOf(':')), Number(dialled.slice(dialled.lastIndexOf(':') + 1))];

  test('the agent dials the Service by its cluster name, on the port the control plane listens on', () => {
    assert.equal(dialledHost, `${service.metadata.name}.${service.metadata.namespace}.svc`);
    const port = service.spec.ports.find((p: { port: number }) => p.port === dialledPort);
    assert.ok(port, `the Service has no port ${dialledPort}`);
    const listen = flag(controlPlane.args, '--listen');
    assert.equal(Number(listen.slice(listen.lastIndexOf(':') + 1)), port.targetPort);
    assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
    // The readiness probe and the agent's DNS: a hostNetwork pod resolves cluster names only with this policy.
    assert.equal(podSpec(daemonSet).dnsPolicy, 'ClusterFirstWithHostNet');
  });

  test('the control plane\'s certificate carries the name the agent checks (the host it dials)', () => {
    assert.equal(flagValues(agent.args).get('--control-plane-server-name'), undefined);
    assert.ok(flagValues(controlPlane.args).get('--server-name')?.includes(dialledHost));
  });

  test('the agent\'s token is the one the control plane\'s TokenReview accepts', () => {
    const tokenFile = flag(agent.args, '--token-file');
    const mount = agent.volumeMounts.find((m: { mountPath: string }) => tokenFile.startsWith(`${m.mountPath}/`));
    const volume = podSpec(daemonSet).volumes.find((v: { name: string }) => v.name === mount.name);
    const source = volume.projected.sources[0].serviceAccountToken;
    assert.equal(`${mount.mountPath}/${source.path}`, tokenFile);
    assert.equal(source.audience, flag(controlPlane.args, '--token-audience'));
    assert.equal(flag(controlPlane.args, '--node-auth'), 'kubernetes');
    assert.equal(`${namespace}/${podSpec(daemonSet).serviceAccountName}`, flag(controlPlane.args, '--agent-service-account'));
    assert.equal(podSpec(daemonSet).automountServiceAccountToken, false);
  });

  test('the agent\'s trust bundle is the root certificate the control plane publishes in its ConfigMap; no agent volume is a Secret', () => {
    const caFile = flag(agent.args, '--control-plane-ca');
    const mount = agent.volumeMounts.find((m: { mountPath: string }) => caFile.startsWith(`${m.mountPath}/`));
    const volume = podSpec(daemonSet).volumes.find((v: { name: string }) => v.name === mount.name);
    assert.equal(`${namespace}/${volume.configMap.name}`, flag(controlPlane.args, '--ca-root-configmap'));
    assert.deepEqual(volume.configMap.items, [{ key: caRootConfigMapKey, path: caFile.slice(mount.mountPath.length + 1) }]);
    // The kubelet fetches a Secret whole to project any key of it: the CA key must not reach a node.
    const secretSources = podSpec(daemonSet).volumes.flatMap((v: any) => [v.secret, ...(v.projected?.sources ?? []).map((source: any) => source.secret)]).filter(Boolean);
    assert.deepEqual(secretSources, []);
  });
});

describe('the agent DaemonSet', () => {
  const spec = podSpec(daemonSet);

  test('host network, no host PID, not privileged: every runtime capability dropped, a few added', () => {
    assert.equal(spec.hostNetwork, true);
    assert.equal(spec.hostPID, undefined);
    assert.equal(agent.securityContext.privileged, false);
    assert.equal(agent.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(agent.securityContext.capabilities.drop, ['ALL']);
    assert.ok(!agent.securityContext.capabilities.add.includes('SYS_ADMIN'));
  });

  test('readiness is the agent\'s /healthz/ready on its metrics port', () => {
    assert.deepEqual(agent.readinessProbe.httpGet, { path: '/healthz/ready', port: agentDefaults.metricsPort });
    assert.equal(flagValues(agent.args).get('--metrics-port'), undefined);
  });

  test('the host\'s bpffs and cgroup tree are mounted where the agent looks for them', () => {
    const hostPaths = new Map(spec.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
    const mounts = new Map(agent.volumeMounts.filter((m: any) => hostPaths.has(m.name)).map((m: any) => [hostPaths.get(m.name), m.mountPath]));
    assert.equal(mounts.get('/sys/fs/bpf'), '/sys/fs/bpf');
    assert.ok(flag(agent.args, '--bpffs-root').startsWith('/sys/fs/bpf/'));
    assert.equal(mounts.get('/sys/fs/cgroup'), '/sys/fs/cgroup');
  });

  test('the cached config is on the host, writable, where --state-dir points, so it outlives the pod and a reboot', () => {
    const stateDir = flag(agent.args, '--state-dir');
    const mount = agent.volumeMounts.find((m: any) => m.mountPath === stateDir);
    assert.ok(mount, `nothing is mounted at --state-dir ${stateDir}`);
    assert.notEqual(mount.readOnly, true);
    const volume = spec.volumes.find((v: any) => v.name === mount.name);
    assert.deepEqual(volume.hostPath, { path: stateDir, type: 'DirectoryOrCreate' });
    assert.equal(agent.securityContext.readOnlyRootFilesystem, true, 'the one writable path is that volume (and bpffs)');
  });

  test('rolls one node at a time, the old agent gone before the new one binds the host ports', () => {
    assert.deepEqual(daemonSet.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.ok(!agent.lifecycle?.preStop, 'no cleanup on every restart: pins must survive an update');
    assert.ok(spec.terminationGracePeriodSeconds * 1000 > agentDefaults.drainGraceMs);
  });

  test('the uninstall DaemonSet cleans the same bpffs root on every node', () => {
    const cleanup = findObject(uninstall, 'DaemonSet', 'weft-cleanup');
    const init = podSpec(cleanup).initContainers[0];
    assert.equal(init.args[0], 'cleanup');
    assert.equal(flag(init.args, '--bpffs-root'), flag(agent.args, '--bpffs-root'));
    assert.equal(flag(init.args, '--node'), flag(agent.args, '--node'));
  });
});
