/**
 * Runs Prometheus' own checker (`promtool`, from the Debian package
 * `prometheus` that scripts/setup.sh installs) with a time limit, optionally
 * feeding it stdin, and returns what it said instead of throwing: a failed
 * check is the result the tests look at.
 */
import { spawn } from 'node:child_process';

export interface PromtoolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function promtool(args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`promtool did not run (is the Debian package prometheus installed? scripts/setup.sh installs it): ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // promtool may exit before reading all of it
    child.stdin.end(options.stdin ?? '');
  });
}
