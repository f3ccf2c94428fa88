/** The run's JSON: bench/results/<timestamp>.json always, latest.json for a full run (the README's table). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installRoot } from '../core/paths.js';

export const resultsDir = join(installRoot, 'bench', 'results');

export function writeResults(results: { startedAt: string }, full: boolean): string[] {
  mkdirSync(resultsDir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const stamped = join(resultsDir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(stamped, text);
  if (!full) return [stamped];
  const latest = join(resultsDir, 'latest.json');
  writeFileSync(latest, text);
  return [stamped, latest];
}
