/**
 * Runs the testbed's commands (ip, sysctl, nsenter). Every call has a time
 * limit and a failure names the command and what it printed on stderr.
 */
import { execFile, execFileSync } from 'node:child_process';
import { netnsPath } from './netns-path.js';
import { WeftError } from '../core/errors.js';

const defaultTimeoutMs = 10_000;

export class CommandError extends WeftError {
  constructor(readonly argv: string[], readonly stderr: string, readonly exitCode: number | string | null) {
    super('WEFT_ERR_TESTBED_COMMAND', `\`${argv.join(' ')}\` failed (${exitCode ?? 'no exit code'}): ${stderr.trim() || '(no stderr)'}`);
  }
}

export interface RunOptions {
  /** a network namespace name under /run/netns to run the command in */
  netns?: string;
  timeoutMs?: number;
}

/** `nsenter --net`, not `ip netns exec`: the latter remounts /sys, which hides
 * the cgroup v2 mount and bpffs from the command. */
export function inNetns(netns: string | undefined, argv: string[]): string[] {
  return netns ? ['nsenter', `--net=${netnsPath(netns)}`, '--', ...argv] : argv;
}

export function run(argv: string[], options: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const full = inNetns(options.netns, argv);
  return new Promise((resolve, reject) => {
    execFile(
      full[0]!,
      full.slice(1),
      { encoding: 'utf8', timeout: options.timeoutMs ?? defaultTimeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const status = error.killed ? `killed after ${options.timeoutMs ?? defaultTimeoutMs} ms` : (error.code ?? null);
        reject(new CommandError(full, stderr || error.message, status));
      },
    );
  });
}

/** The synchronous twin, for teardown from 'exit' and signal handlers. */
export function runSync(argv: string[], options: RunOptions = {}): string {
  const full = inNetns(options.netns, argv);
  try {
    return execFileSync(full[0]!, full.slice(1), {
      encoding: 'utf8',
      timeout: options.timeoutMs ?? defaultTimeoutMs,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failure = error as { stderr?: string; status?: number | null; message: string };
    throw new CommandError(full, failure.stderr || failure.message, failure.status ?? null);
  }
}

/** Blocks the thread: teardown from a signal handler cannot await. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
