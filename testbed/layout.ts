/**
 * The addresses and names of a testbed, computed from its spec before
 * anything is created, so a bad spec fails without touching the kernel.
 */
import { isIPv4 } from 'node:net';
import { join } from 'node:path';

export interface PodSpec {
  name: string;
  node: string;
  /** default 10.244.<node index>.<10 + k>, k counting the node's pods from 0 */
  ip?: string;
}

export interface TestbedSpec {
  /** the prefix's kind letter: 't' for tests, 'd' for the demo, ... */
  kind?: string;
  nodes: string[];
  pods: PodSpec[];
}

export interface NodeLayout {
  name: string;
  /** 1-based */
  index: number;
  netns: string;
  /** on the node's eth0, in the fabric's 10.10.0.0/24 */
  ip: string;
  podCidr: string;
  /** the node's cable end inside the fabric namespace, a port of br0 */
  vethOnFabric: string;
}

export interface PodLayout {
  name: string;
  node: string;
  netns: string;
  ip: string;
  /** as a manifest writes it: relative to the cgroup v2 mount, leading slash */
  cgroupPath: string;
  cgroupDir: string;
  /** the pod's cable end inside its node's namespace */
  vethOnNode: string;
}

export interface Layout {
  fabricNetns: string;
  nodes: NodeLayout[];
  pods: PodLayout[];
}

export const fabricBridge = 'br0';
export const fabricCidrBits = 24;
const maxNodes = 200;
const maxPodsPerNode = 200;
/** A k8s-style DNS label, short enough for `<prefix>-<name>` to stay readable. */
const namePattern = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
/** Names the testbed itself uses beside node and pod names. */
const reservedNames = new Set(['fabric', 'agents', 'host']);

export function planLayout(spec: TestbedSpec, prefix: string, cgroupMount: string): Layout {
  const fail = (message: string): never => {
    throw new Error(`invalid testbed spec: ${message}`);
  };
  if (spec.nodes.length === 0 || spec.nodes.length > maxNodes) fail(`between 1 and ${maxNodes} nodes, got ${spec.nodes.length}`);
  const names = new Set<string>();
  for (const name of [...spec.nodes, ...spec.pods.map((p) => p.name)]) {
    if (!namePattern.test(name)) fail(`${JSON.stringify(name)} is not a lowercase DNS label of at most 40 characters`);
    if (reservedNames.has(name)) fail(`${name} is reserved by the testbed`);
    // nodes and pods share the namespace names <prefix>-<name>
    if (names.has(name)) fail(`the name ${name} is used twice (node and pod names share one space)`);
    names.add(name);
  }

  const nodes = spec.nodes.map((name, i): NodeLayout => ({
    name,
    index: i + 1,
    netns: `${prefix}-${name}`,
    ip: `10.10.0.${i + 1}`,
    podCidr: `10.244.${i + 1}.0/24`,
    vethOnFabric: `n${i + 1}`,
  }));
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));

  const podsOnNode = new Map<string, number>();
  const ips = new Set<string>();
  const pods = spec.pods.map((pod, i): PodLayout => {
    const node = nodeByName.get(pod.node) ?? fail(`pod ${pod.name} is on ${pod.node}, which is not a node`);
    const k = podsOnNode.get(node.name) ?? 0;
    podsOnNode.set(node.name, k + 1);
    if (k >= maxPodsPerNode) fail(`more than ${maxPodsPerNode} pods on ${node.name}`);
    const ip = pod.ip ?? `10.244.${node.index}.${10 + k}`;
    if (!isIPv4(ip)) fail(`pod ${pod.name}: ${ip} is not an IPv4 address`);
    const first = Number(ip.split('.')[0]);
    if (first === 0 || first === 127 || first >= 224) fail(`pod ${pod.name}: ${ip} is not a unicast address a pod can own`);
    if (ip.startsWith('10.10.0.')) fail(`pod ${pod.name}: ${ip} is in the node network 10.10.0.0/24`);
    if (ips.has(ip)) fail(`pod ${pod.name}: ${ip} is used twice`);
    ips.add(ip);
    const cgroupPath = `/${prefix}/${node.name}/${pod.name}`;
    return {
      name: pod.name,
      node: node.name,
      netns: `${prefix}-${pod.name}`,
      ip,
      cgroupPath,
      cgroupDir: join(cgroupMount, cgroupPath),
      vethOnNode: `p${i + 1}`,
    };
  });
  return { fabricNetns: `${prefix}-fabric`, nodes, pods };
}

/** True when `ip` is inside `cidr` (a.b.c.0/24 style, any prefix length). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(base) & mask) >>> 0);
}

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0);
}
