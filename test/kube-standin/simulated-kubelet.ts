/**
 * The kubelet's side of a node, for the agent in Kubernetes mode: its cgroup
 * hierarchy made of real cgroup v2 directories, and pods' processes (pod
 * workers, in the testbed pod's network namespace) in per-container child
 * cgroups, where container runtimes put them.
 *
 * Everything sits under a root of the run's, `/<prefix>/kubelet/<node>`
 * (relative to the cgroup v2 mount), never at the mount's own kubepods.slice:
 * the agent is pointed there with --kubelet-cgroup-root, and the testbed's
 * teardown removes it with the rest of `/<prefix>`.
 *
 * Paths are spelled here as the kubelet and containerd write them, not with
 * the agent's code, so a test checks the agent against the kubelet's naming:
 *
 *   systemd   <root>/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid _>.slice/cri-containerd-<id>.scope
 *   cgroupfs  <root>/kubepods/burstable/pod<uid>/<id>
 *
 * (Guaranteed pods directly in kubepods, BestEffort in besteffort.)
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cgroupMount } from '../../testbed/cgroup.js';
import { PodWorker, type Testbed } from '../../testbed/testbed.js';

export type CgroupDriver = 'systemd' | 'cgroupfs';
export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const workerScript = fileURLToPath(new URL('../../testbed/pod-worker.js', import.meta.url));
const enterCgroupAndExec = 'echo $$ > "$0/cgroup.procs" && exec "$@"';

export interface RunningContainer {
  worker: PodWorker;
  /** relative to the cgroup v2 mount */
  podCgroup: string;
  containerCgroup: string;
}

export class SimulatedKubelet {
  readonly mount = cgroupMount();
  /** the agent's --kubelet-cgroup-root: relative to the cgroup v2 mount */
  readonly root: string;

  constructor(readonly testbed: Testbed, readonly node: string, readonly driver: CgroupDriver) {
    this.root = `/${testbed.prefix}/kubelet/${node}`;
  }

  /** What the kubelet makes when it starts: its top cgroup and the two QoS levels. */
  start(): void {
    for (const qos of ['Burstable', 'BestEffort'] as const) mkdirSync(this.dir(this.#qosCgroup(qos)), { recursive: true });
  }

  dir(path: string): string {
    return join(this.mount, path);
  }

  podCgroup(uid: string, qos: QosClass): string {
    if (this.driver === 'cgroupfs') return `${this.#qosCgroup(qos)}/pod${uid}`;
    const slice = qos === 'Guaranteed' ? 'kubepods' : `kubepods-${qos.toLowerCase()}`;
    return `${this.#qosCgroup(qos)}/${slice}-pod${uid.replaceAll('-', '_')}.slice`;
  }

  containerCgroup(uid: string, qos: QosClass, containerId: string): string {
    const name = this.driver === 'systemd' ? `cri-containerd-${containerId}.scope` : containerId;
    return `${this.podCgroup(uid, qos)}/${name}`;
  }

  /** Makes the pod's cgroup and one container cgroup in it, and starts a pod
   * worker there (in the testbed pod's network namespace), as a runtime
   * starting the pod's container would. */
  async runContainer(pod: string, uid: string, qos: QosClass): Promise<RunningContainer> {
    const containerId = randomBytes(32).toString('hex');
    const podCgroup = this.podCgroup(uid, qos);
    const containerCgroup = this.containerCgroup(uid, qos, containerId);
    mkdirSync(this.dir(containerCgroup), { recursive: true });
    const child = this.testbed.spawnInPod(
      pod,
      ['sh', '-c', enterCgroupAndExec, this.dir(containerCgroup), process.execPath, workerScript, '--pod', pod, '--run', this.testbed.prefix],
      { stdin: 'pipe', logFile: join(this.testbed.runDir, `container-${pod}-${containerId.slice(0, 8)}.log`) },
    );
    const worker = new PodWorker(pod, child);
    const ready = await worker.waitForEvent((event) => event.event === 'ready', 10_000, 0);
    if (ready.cgroup !== containerCgroup) throw new Error(`the worker of ${pod} runs in cgroup ${String(ready.cgroup)}, not ${containerCgroup}`);
    return { worker, podCgroup, containerCgroup };
  }

  #qosCgroup(qos: QosClass): string {
    if (this.driver === 'cgroupfs') return qos === 'Guaranteed' ? `${this.root}/kubepods` : `${this.root}/kubepods/${qos.toLowerCase()}`;
    return qos === 'Guaranteed' ? `${this.root}/kubepods.slice` : `${this.root}/kubepods.slice/kubepods-${qos.toLowerCase()}.slice`;
  }
}
