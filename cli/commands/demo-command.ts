import { InvalidArgumentError, type Command } from 'commander';
import { runDemo } from '../demo/run-demo.js';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`'${value}' is not a positive number`);
  return n;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'a local multi-node mesh on this machine (network namespaces + cgroups), a sample app, traffic from a load pod ' +
        'and the live `weft top` view; Ctrl-C removes everything',
    )
    .option('--duration <seconds>', 'stop by itself after this long', positive, 1800)
    .option('--interval <ms>', 'time between the load pod\'s requests to frontend', positive, 250)
    .option('--once', 'set up, show a request through the mesh and one `weft top` table, tear down')
    .action(async (flags) => {
      await runDemo({
        durationSeconds: flags.duration,
        intervalMs: flags.interval,
        once: Boolean(flags.once),
        out: (line) => process.stdout.write(`${line}\n`),
      });
    });
}
