/** `weft`: one binary, one commander program; each command lives in cli/commands/. */
import { Command } from 'commander';
import { registerAgentCommand } from './commands/agent-command.js';
import { registerAuthzCommand } from './commands/authz-command.js';
import { registerControlPlaneCommand } from './commands/control-plane-command.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerStatusCommand } from './commands/status-command.js';
import { registerCheckCommand } from './commands/check-command.js';
import { registerConfigCommand } from './commands/config-command.js';
import { registerTokenCommand } from './commands/token-command.js';
import { registerTopCommand } from './commands/top-command.js';

const program = new Command('weft')
  .description('Weft: a sidecar-free service mesh; eBPF redirection into one TypeScript proxy per node')
  .version('0.1.0')
  .showHelpAfterError();

registerAgentCommand(program);
registerControlPlaneCommand(program);
registerDemoCommand(program);
registerStatusCommand(program);
registerCheckCommand(program);
registerConfigCommand(program);
registerAuthzCommand(program);
registerTokenCommand(program);
registerTopCommand(program);

await program.parseAsync(process.argv);
