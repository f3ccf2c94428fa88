/**
 * Load tools and bench programs run as testbed processes (in a pod's netns
 * and cgroup, or a node's netns), so they die with the testbed on any exit.
 * Here: waiting for them, bounded in time, and reading what they printed.
 */
import type { ChildProcess } from 'node:child_process';
import type { LogRecord, Testbed } from '../testbed/testbed.js';

export interface Finished {
  code: number | null;
  lines: string[];
}

function linesOf(bed: Testbed, child: ChildProcess): string[] {
  return bed.capture(child)?.lines ?? [];
}

/** Waits for the process to end; past `timeoutMs` it is killed and this throws with its last lines. */
export function waitForExit(bed: Testbed, child: ChildProcess, timeoutMs: number, what: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const done = (code: number | null) => {
      clearTimeout(timer);
      resolve({ code, lines: linesOf(bed, child) });
    };
    if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
    const timer = setTimeout(() => {
      child.off('close', done);
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish within ${timeoutMs} ms; last lines:\n${linesOf(bed, child).slice(-10).join('\n')}`));
    }, timeoutMs);
    child.once('close', done);
  });
}

/** Runs argv in a pod to its end; a non-zero exit throws with what it printed. */
export async function runInPod(bed: Testbed, pod: string, argv: string[], timeoutMs: number): Promise<string[]> {
  const child = bed.spawnInPod(pod, argv);
  const { code, lines } = await waitForExit(bed, child, timeoutMs, `${argv[0]} in ${pod}`);
  if (code !== 0) throw new Error(`\`${argv.join(' ')}\` in ${pod} exited ${code}:\n${lines.slice(-10).join('\n')}`);
  return lines;
}

/** The first JSON line of a bench program with this event. */
export function waitForEvent(bed: Testbed, child: ChildProcess, event: string, timeoutMs: number): Promise<LogRecord> {
  return bed.waitForLog(child, (line) => line.event === event, timeoutMs);
}

/**
 * Waits until every `host:port` listens in the namespace (`ss`), for tools
 * that say nothing when they are ready (or say it into a buffered pipe).
 */
export async function waitForListening(bed: Testbed, child: ChildProcess, netns: string, addresses: string[], timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000; i++) {
    const { stdout } = await bed.run(['ss', '-Hltn'], { netns });
    const local = new Set(stdout.split('\n').map((line) => line.trim().split(/\s+/)[3]));
    if (addresses.every((address) => local.has(address))) return;
    if (child.exitCode !== null || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not listen on ${addresses.join(', ')} within ${timeoutMs} ms; it printed:\n${linesOf(bed, child).slice(-10).join('\n')}`);
}
