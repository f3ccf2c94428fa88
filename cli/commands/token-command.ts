/**
 * `weft token create|list|revoke`: the node bootstrap tokens of a file-mode
 * control plane, kept (as hashes) in its state directory. A running control
 * plane picks changes up by itself: a new token works at once, a revoked
 * one's discovery stream is ended within seconds.
 */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { pino } from 'pino';
import { loadOrCreateRoot } from '../../control-plane/ca/ca-store.js';
import { FileCaStore } from '../../control-plane/ca/file-ca-store.js';
import { meshCaDefaults } from '../../control-plane/ca/mesh-ca.js';
import { NodeTokenFile } from '../../control-plane/auth/node-tokens.js';

const stateDirHelp = 'the control plane\'s --state-dir';

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description("node bootstrap tokens: an agent's proof of which node it is (file mode)");

  token
    .command('create')
    .description('make a token for a node and print it once (only its hash is stored); give it to that node\'s agent as --token-file')
    .requiredOption('--node <name>', 'the node the token speaks for')
    .option('--state-dir <dir>', stateDirHelp, meshCaDefaults.stateDir)
    .option('--output <file>', 'write the token to this file (mode 0600) instead of printing it')
    .option('--bundle-out <file>', "also write the mesh's trust bundle (the root CA, made now if the control plane has not yet) for the agent's --control-plane-ca")
    .action(async (flags) => {
      const { token: secret, record } = await new NodeTokenFile(flags.stateDir).create(flags.node);
      if (flags.output) writeFileSync(flags.output, `${secret}\n`, { mode: 0o600 });
      else process.stdout.write(`${secret}\n`);
      process.stderr.write(`token ${record.id} for node ${record.node}${flags.output ? ` written to ${flags.output}` : ''}; it is not stored and cannot be shown again\n`);
      if (flags.bundleOut) {
        // Logs go to stderr: stdout carries the token alone, for `> file`.
        const { material } = await loadOrCreateRoot(new FileCaStore(flags.stateDir), pino({ base: { component: 'ca' } }, pino.destination(2)));
        writeFileSync(flags.bundleOut, material.certChainPem);
        process.stderr.write(`trust bundle written to ${flags.bundleOut} (with --ca-cert, distribute your own root instead)\n`);
      }
    });

  token
    .command('list')
    .description('the tokens of a state directory: id, node, created (never the tokens themselves)')
    .option('--state-dir <dir>', stateDirHelp, meshCaDefaults.stateDir)
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const tokens = await new NodeTokenFile(flags.stateDir).list();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(tokens.map(({ id, node, createdAt }) => ({ id, node, createdAt })), null, 2)}\n`);
        return;
      }
      const lines = ['ID'.padEnd(10) + 'NODE'.padEnd(40) + 'CREATED', ...tokens.map((t) => t.id.padEnd(10) + t.node.padEnd(40) + t.createdAt)];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  token
    .command('revoke')
    .description('remove a token (by id) or every token of a node; their agents are refused from then on')
    .option('--id <id>', 'the token id (weft token list)')
    .option('--node <name>', 'every token of this node')
    .option('--state-dir <dir>', stateDirHelp, meshCaDefaults.stateDir)
    .action(async (flags) => {
      if (Boolean(flags.id) === Boolean(flags.node)) throw new InvalidArgumentError('give exactly one of --id ID and --node NAME');
      const removed = await new NodeTokenFile(flags.stateDir).revoke({ id: flags.id, node: flags.node });
      if (removed.length === 0) {
        process.stderr.write(`no token ${flags.id ? `with id ${flags.id}` : `for node ${flags.node}`}\n`);
        process.exitCode = 1;
        return;
      }
      for (const record of removed) process.stdout.write(`revoked ${record.id} (node ${record.node})\n`);
    });
}
