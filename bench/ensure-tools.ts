/** The bench's load tools are Debian packages; a fresh machine gets them from bench/install-tools.sh. */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { installRoot } from '../core/paths.js';

const tools = ['wrk', 'iperf3', 'haproxy'] as const;

function missingTools(): string[] {
  return tools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
}

export function ensureTools(): void {
  if (missingTools().length === 0) return;
  const result = spawnSync('bash', [join(installRoot, 'bench', 'install-tools.sh')], { stdio: 'inherit', timeout: 10 * 60_000 });
  const still = missingTools();
  if (result.status !== 0 || still.length > 0) throw new Error(`the bench needs ${still.join(', ') || tools.join(', ')}: bench/install-tools.sh failed`);
}

/** Versions for the results' machine section. */
export function toolVersions(): Record<string, string> {
  const first = (argv: string[]): string => {
    try {
      return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 }).split('\n')[0]!.trim();
    } catch (error) {
      // wrk -v prints its version and exits 1
      const output = (error as { stdout?: string }).stdout ?? '';
      return output.split('\n')[0]!.trim() || 'unknown';
    }
  };
  return { haproxy: first(['haproxy', '-v']), wrk: first(['wrk', '-v']), iperf3: first(['iperf3', '-v']) };
}
