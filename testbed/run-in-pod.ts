/**
 * Runs a command to completion inside a pod: its network namespace AND its
 * cgroup (Testbed.spawnInPod), so the mesh's connect hook sees its connections
 * as the pod's, as it would a container's. Bounded by a deadline, after which
 * the process is killed; a non-zero exit is returned, not thrown (curl's exit
 * codes mean something).
 */
import { WeftError } from '../core/errors.js';
import type { Testbed } from './testbed.js';

export class PodCommandTimeoutError extends WeftError {
  constructor(readonly pod: string, readonly argv: string[], readonly timeoutMs: number, readonly stderr: string) {
    super('WEFT_ERR_TESTBED_POD_COMMAND_TIMEOUT', `\`${argv.join(' ')}\` in pod ${pod} did not end within ${timeoutMs} ms${stderr ? `: ${stderr.trim().slice(-500)}` : ''}`);
  }
}

export interface PodRunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface PodRunResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  elapsedMs: number;
}

const defaultTimeoutMs = 30_000;
/** Past this the output is not kept (a body that large belongs in a file). */
const maxOutputBytes = 16 * 1024 * 1024;

export function runInPod(bed: Testbed, pod: string, argv: string[], options: PodRunOptions = {}): Promise<PodRunResult> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const started = performance.now();
  const child = bed.spawnInPod(pod, argv, { env: options.env });
  const output = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: 0 };
  const keep = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    output.bytes += chunk.length;
    if (output.bytes <= maxOutputBytes) output[stream].push(chunk);
  };
  child.stdout?.on('data', keep('stdout'));
  child.stderr?.on('data', keep('stderr'));
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(output.stderr).toString('utf8');
      if (timedOut) return reject(new PodCommandTimeoutError(pod, argv, timeoutMs, stderr));
      resolve({ stdout: Buffer.concat(output.stdout).toString('utf8'), stderr, exitCode, signal, elapsedMs: performance.now() - started });
    });
  });
}
