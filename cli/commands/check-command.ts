/** `weft check`: the kernel/privilege preflight. Exit 1 when a required item is missing. */
import type { Command } from 'commander';
import { renderCheckTable } from '../check/render-table.js';
import { passed, runChecks } from '../check/run-checks.js';

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('kernel/privilege preflight: what this machine has and Weft needs, with a fix for each missing item')
    .option('--json', 'print the results as JSON instead of a table')
    .action((options: { json?: boolean }) => {
      const results = runChecks();
      const ok = passed(results);
      process.stdout.write(options.json ? `${JSON.stringify({ ok, checks: results }, null, 2)}\n` : renderCheckTable(results));
      // exitCode, not exit(): stdout may be a pipe still draining.
      process.exitCode = ok ? 0 : 1;
    });
}
