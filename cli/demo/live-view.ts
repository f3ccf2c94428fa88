/**
 * `weft top` for the demo. The agents' metrics listen on node addresses that
 * exist only inside the demo's namespaces, so the view runs in the first
 * node's network namespace (and in a cgroup of the run, so teardown finds
 * it), drawing straight on the demo's terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { makeCgroup } from '../../testbed/cgroup.js';
import { inNetns } from '../../testbed/exec.js';
import { weftCli } from '../../testbed/mesh-commands.js';
import type { TestbedMesh } from '../../testbed/mesh.js';

export { weftCli };

export interface TopViewOptions {
  intervalSeconds: number;
  /** bound for the live view; ignored with `once` */
  durationSeconds: number;
  once: boolean;
}

export interface TopView {
  child: ChildProcess;
  /** resolves with the exit code (null when killed by a signal) */
  exited: Promise<number | null>;
}

export function topAgents(mesh: TestbedMesh): string[] {
  return [...mesh.agents.keys()].map((node) => `http://${mesh.testbed.node(node).ip}:15020/metrics`);
}

export function viewNode(mesh: TestbedMesh): string {
  return [...mesh.agents.keys()][0]!;
}

export function topArguments(mesh: TestbedMesh, options: TopViewOptions): string[] {
  // By workload: the reviews canary shows as reviews-v1 and reviews-v2 rows.
  const args = ['top', ...topAgents(mesh).flatMap((agent) => ['--agent', agent]), '--interval', `${options.intervalSeconds}s`, '--by', 'workload'];
  return options.once ? [...args, '--once'] : [...args, '--duration', `${Math.max(1, Math.ceil(options.durationSeconds))}s`];
}

export function startTopView(mesh: TestbedMesh, options: TopViewOptions): TopView {
  const { testbed } = mesh;
  const cgroupDir = join(testbed.cgroupRoot, 'agents', options.once ? 'top-once' : 'top-view');
  makeCgroup(cgroupDir);
  const argv = inNetns(testbed.node(viewNode(mesh)).netns, [
    'sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroupDir,
    process.execPath, weftCli, ...topArguments(mesh, options),
  ]);
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WEFT_TESTBED_RUN: testbed.prefix },
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return { child, exited };
}
