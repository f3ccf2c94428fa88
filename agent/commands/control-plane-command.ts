import { InvalidArgumentError, type Command } from 'commander';
import { directorySource, runControlPlane, type ConfigSource } from '../../control-plane/app.js';
import { logger } from '../log.js';

export function registerControlPlaneCommand(program: Command): void {
  program
    .command('control-plane')
    .description('serve mesh config to the node agents over gRPC, from a watched directory or the Kubernetes API')
    .requiredOption('--listen <addr>', 'unix:/path/to.sock or host:port')
    .option('--config-dir <dir>', 'a directory of manifests, watched: edits apply without a restart')
    .action(async (flags) => {
      if (!flags.configDir) throw new InvalidArgumentError('give --config-dir DIR');
      const source: ConfigSource = directorySource(flags.configDir);
      const running = await runControlPlane({ listen: flags.listen, configDir: flags.configDir }, source);
      const log = logger('cli');
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        running.stop().then(() => process.exit(0), () => process.exit(1));
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
