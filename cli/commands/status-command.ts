/** `weft status`: what the local agent holds, read from its admin port. */
import { InvalidArgumentError, type Command } from 'commander';
import type { AgentStatus } from '../../agent/admin/admin-server.js';
import { agentDefaults } from '../../agent/config.js';
import type { ConnectionLimitsStatus } from '../../agent/proxy/connection-limits.js';

function connectionsLine(limits: ConnectionLimitsStatus): string {
  const busiest = limits.topSources[0];
  return (
    `connections ${limits.descriptorsInUse} of ${limits.descriptors} descriptors in use, at most ${limits.perSource} per pod` +
    (busiest ? `; busiest ${busiest.source} (${busiest.connections})` : '')
  );
}

export function renderStatus(status: AgentStatus): string {
  const source =
    status.configSource.kind === 'control-plane'
      ? `control plane ${status.configSource.address} (${status.configSource.state})`
      : `directory ${status.configSource.dir}`;
  const stale = status.configSource.kind === 'control-plane' ? status.configSource.stale : undefined;
  const lines = [
    `node        ${status.node} (${status.nodeIp})`,
    ...(status.noConfig
      ? [
          `NOT READY   ${status.noConfig.message} (waiting since ${status.noConfig.since})`,
          ...(status.noConfig.cacheProblem ? [`            ${status.noConfig.cacheProblem}`] : []),
        ]
      : []),
    `config      version ${status.configVersion} from ${source}`,
    ...(stale
      ? [`STALE       the node's cached config (received ${stale.receivedAt}, ${stale.file}): ${stale.reason}; connections to other nodes are refused until it does`]
      : []),
    `datapath    ${status.datapath.redirected} connects redirected, ${status.datapath.paired} handed to the proxy`,
    `uptime      ${status.uptimeSeconds} s`,
    ...(status.connectionLimits ? [connectionsLine(status.connectionLimits)] : []),
    '',
    'WORKLOAD'.padEnd(40) + 'IP'.padEnd(17) + 'ENROLLED'.padEnd(10) + 'PLAINTEXT INBOUND',
  ];
  for (const w of status.workloads) {
    const enrolled = w.enrolled ? 'yes'.padEnd(10) + (w.inbound ?? '-') : `no: ${w.reason ?? 'unknown'}`;
    lines.push(`${w.namespace}/${w.name}`.padEnd(40) + w.ip.padEnd(17) + enrolled);
  }
  if (status.notEnforced?.length) {
    lines.push('', `NOT ENFORCED (accepted, distributed, not acted on by this proxy yet)`);
    for (const object of status.notEnforced) lines.push(`  ${object.kind} ${object.namespace}/${object.name}`);
  }
  if (status.identities) {
    lines.push('', 'IDENTITY'.padEnd(56) + 'STATE'.padEnd(10) + 'EXPIRES');
    for (const identity of status.identities) {
      const expires = identity.notAfter ? `${identity.notAfter}${identity.renewAt ? ` (renews ${identity.renewAt})` : ''}` : '-';
      lines.push(identity.identity.padEnd(56) + identity.state.padEnd(10) + expires);
      if (identity.lastError && identity.state !== 'valid') lines.push(`  last error: ${identity.lastError}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("what the agent on this node holds: config version and source, control-plane connection, local workloads")
    .option('--admin <port>', 'the agent\'s admin port on 127.0.0.1', String(agentDefaults.adminPort))
    .option('--json', 'print the raw status')
    .action(async (flags) => {
      const port = Number(flags.admin);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`'${flags.admin}' is not a port`);
      let status: AgentStatus;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(3000) });
        status = (await response.json()) as AgentStatus;
      } catch (error) {
        process.stderr.write(`weft status: no agent answers on 127.0.0.1:${port} (${(error as Error).message}); is it running in this network namespace?\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(flags.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
    });
}
