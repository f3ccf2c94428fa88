/**
 * A Workload on a node no agent has reported is valid (the node may not
 * have joined yet, or its agent is restarting), so loading never flags it.
 * The control plane knows which agents are connected and calls this at run
 * time to say which workloads wait for a node.
 */
import type { ConfigIssue } from '../../model/issues.js';
import type { MeshConfig } from '../../model/types.js';

export function unknownNodes(config: MeshConfig, knownNodes: Iterable<string>): ConfigIssue[] {
  const known = new Set(knownNodes);
  return config.workloads
    .filter((workload) => !known.has(workload.node))
    .map((workload) => ({
      severity: 'warning' as const,
      file: workload.source.file,
      document: workload.source.document,
      path: 'spec.node',
      ...(workload.source.line === undefined ? {} : { line: workload.source.line }),
      message: `node ${workload.node} is not known (no agent has connected from it): ${workload.namespace}/${workload.name} is not served until one does`,
      resource: { kind: 'Workload', namespace: workload.namespace, name: workload.name },
    }));
}
