/**
 * How a mesh on the testbed starts its Weft processes: the command lines of
 * `weft control-plane` and `weft agent`, and where each start logs.
 */
import { join } from 'node:path';
import { installRoot } from '../core/paths.js';

/** This checkout's CLI. */
export const weftCli = join(installRoot, 'bin', 'weft.js');

/** This checkout's CLI, or `WEFT_AGENT_COMMAND` (split on spaces) to run agents from
 * elsewhere, e.g. a built image's filesystem (scripts/image-check.sh). */
export function agentCommandFromEnv(): string[] {
  const command = process.env.WEFT_AGENT_COMMAND?.split(' ').filter(Boolean);
  return command?.length ? command : [process.execPath, weftCli];
}

/** The log of the `start`-th start (1-based) of a process: `<name>.log`, then `<name>-2.log`, ... */
export function logFileOf(runDir: string, name: string, start: number): string {
  return join(runDir, start === 1 ? `${name}.log` : `${name}-${start}.log`);
}

export function controlPlaneArgs(options: { configDir: string; socket: string; stateDir: string; args?: string[] }): string[] {
  return [
    process.execPath,
    weftCli,
    'control-plane',
    '--config-dir', options.configDir,
    '--listen', `unix:${options.socket}`,
    '--state-dir', options.stateDir,
    ...(options.args ?? []),
  ];
}

export interface AgentSource {
  /** the control plane's socket and the node's token file; without it, the config dir */
  controlPlane?: { socket: string; tokenFile: string };
  configDir: string;
}

export function agentArgs(
  command: string[],
  options: { node: string; nodeIp: string; source: AgentSource; pinRoot: string; stateDir: string; args?: string[] },
): string[] {
  const { controlPlane } = options.source;
  return [
    ...command,
    'agent',
    '--node', options.node,
    '--node-ip', options.nodeIp,
    ...(controlPlane
      ? ['--control-plane', `unix:${controlPlane.socket}`, '--token-file', controlPlane.tokenFile, '--state-dir', options.stateDir]
      : ['--config-dir', options.source.configDir]),
    '--bpffs-root', options.pinRoot,
    ...(options.args ?? []),
  ];
}
