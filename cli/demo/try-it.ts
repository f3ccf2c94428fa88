/**
 * What the demo tells the user to try by hand, as exact command lines: how to
 * run something inside a pod (its network namespace and its cgroup, which is
 * what makes it meshed), where the metrics are, and how to change the mesh live.
 */
import type { MeshConfig, Service } from '../../model/types.js';
import type { TestbedMesh } from '../../testbed/mesh.js';
import { topAgents, viewNode, weftCli } from './live-view.js';

/** Enters the pod's network namespace, then its cgroup, then runs the rest of the line. */
export function enterPod(mesh: TestbedMesh, pod: string): string {
  const handle = mesh.testbed.pod(pod);
  return `nsenter --net=/run/netns/${handle.netns} sh -c 'echo $$ > ${handle.cgroupDir}/cgroup.procs && exec "$0" "$@"'`;
}

export function enterNode(mesh: TestbedMesh, node: string): string {
  return `nsenter --net=/run/netns/${mesh.testbed.node(node).netns}`;
}

export function vipUrl(service: Service): string {
  const port = service.ports[0]!.port;
  return `http://${service.clusterIP}${port === 80 ? '' : `:${port}`}/`;
}

export function tryItLines(mesh: TestbedMesh, config: MeshConfig, caller: string): string[] {
  const frontend = config.services.find((s) => s.name === 'frontend')!;
  const reviews = config.services.find((s) => s.name === 'reviews')!;
  const node = viewNode(mesh);
  const nodeIp = mesh.testbed.node(node).ip;
  const lines = [
    'Try it by hand (as root, in another terminal):',
    `  curl from pod ${caller}, through the mesh (the command enters the pod's network namespace and cgroup):`,
    `    ${enterPod(mesh, caller)} curl -s ${vipUrl(reviews)}            # 90% reviews-v1, 10% reviews-v2 (the HTTPRoute reviews)`,
    `    ${enterPod(mesh, caller)} curl -s -H 'x-canary: yes' ${vipUrl(reviews)}   # always reviews-v2`,
    `    ${enterPod(mesh, caller)} curl -s -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' ${vipUrl(frontend)}`,
    `  metrics: every agent serves Prometheus metrics on http://<node-ip>:15020/metrics. The node IPs (${topAgents(mesh).map((a) => new URL(a).hostname).join(', ')})`,
    '  exist only inside the demo\'s network namespaces, so enter a node\'s namespace first:',
    `    ${enterNode(mesh, node)} curl -s http://${nodeIp}:15020/metrics | grep -E '^istio_(requests|tcp)'`,
    `    ${enterNode(mesh, node)} node ${weftCli} top ${topAgents(mesh).map((a) => `--agent ${new URL(a).hostname}`).join(' ')} --by workload`,
    `    ${enterNode(mesh, node)} node ${weftCli} status`,
    `  the config: the control plane watches ${mesh.configDir}; edit a file there and it applies within a second, no restart.`,
  ];
  lines.push(`    e.g. set the weights of the HTTPRoute reviews in ${mesh.configDir}/mesh.yaml to 50/50: the top view follows within seconds`);
  lines.push(
    `  the datapath: bpftool cgroup show ${mesh.testbed.pod(caller).cgroupDir}`,
    `  logs: ${[mesh.controlPlane!.logFile, ...[...mesh.agents.values()].map((a) => a.logFile)].join(' ')}`,
  );
  return lines;
}
