/** `weft top`: live golden metrics per service, read from the agents' metrics endpoints. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { runTop } from '../top/run-top.js';
import { agentUrl } from '../top/scrape.js';

function collectAgent(value: string, previous: string[] | undefined): string[] {
  const urls = value.split(',').filter((part) => part !== '').map((part) => {
    const url = agentUrl(part.trim());
    if (!url) throw new InvalidArgumentError(`'${part}' is not an agent address (IP, IP:PORT or http://IP:15020/metrics)`);
    return url;
  });
  return [...(previous ?? []), ...urls];
}

function duration(min: number) {
  return (value: string): number => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < min) throw new InvalidArgumentError(`'${value}' is not a duration of at least ${min} ms (e.g. 2s, 500ms, 10m)`);
    return ms;
  };
}

export function registerTopCommand(program: Command): void {
  program
    .command('top')
    .description(
      'live golden metrics per service (requests/s, success rate, p50/p99 latency, open TCP connections, bytes/s), ' +
        "summed over the agents' :15020/metrics; HTTP and TCP as the client side reports them (reporter=\"source\")",
    )
    .requiredOption('--agent <address>', 'an agent\'s metrics endpoint: IP, IP:PORT or URL (default port 15020, path /metrics); repeat or comma-separate for every node', collectAgent)
    .addOption(new Option('--by <group>', 'one row per destination service or per destination workload').choices(['service', 'workload']).default('service'))
    .addOption(new Option('--interval <duration>', 'time between scrapes: the window the rates cover').argParser(duration(200)).default(2000, '2s'))
    .addOption(new Option('--duration <duration>', 'stop by itself after this long').argParser(duration(1)).default(3_600_000, '1h'))
    .option('--once', 'scrape twice, print one table, exit (exit code 1 when no agent answered both times)')
    .option('--json', 'one JSON document per refresh instead of the table')
    .addHelpText(
      'after',
      '\nThe agents serve metrics on their node IP, port 15020. In the `weft demo` mesh that address exists only\n' +
        'inside the demo\'s namespaces: run `weft top` in a node\'s namespace (the demo prints the nsenter line).\n' +
        'Discovery through the control plane is not there yet: name each agent with --agent.',
    )
    .action(async (flags) => {
      const stop = new AbortController();
      let signalled: NodeJS.Signals | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        signalled = signal;
        stop.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const measured = await runTop(
          {
            agents: [...new Set<string>(flags.agent)],
            groupBy: flags.by,
            intervalMs: flags.interval,
            durationMs: flags.duration,
            once: Boolean(flags.once),
            json: Boolean(flags.json),
            output: process.stdout,
          },
          stop.signal,
        );
        if (flags.once && !measured) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (signalled) process.exitCode = signalled === 'SIGINT' ? 130 : 143;
    });
}
