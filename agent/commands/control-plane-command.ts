import { InvalidArgumentError, type Command } from 'commander';
import { directorySource, runControlPlane, type ConfigSource } from '../../control-plane/app.js';
import { KubernetesSource } from '../../control-plane/sources/kubernetes-source.js';
import { logger } from '../log.js';

export function registerControlPlaneCommand(program: Command): void {
  program
    .command('control-plane')
    .description('serve mesh config to the node agents over gRPC, from a watched directory or the Kubernetes API')
    .requiredOption('--listen <addr>', 'unix:/path/to.sock or host:port')
    .option('--config-dir <dir>', 'a directory of manifests, watched: edits apply without a restart')
    .option('--kubernetes', 'read the Kubernetes API (list+watch) instead of a directory')
    .option('--kubeconfig <file>', 'with --kubernetes: the kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .action(async (flags) => {
      if (Boolean(flags.configDir) === Boolean(flags.kubernetes)) {
        throw new InvalidArgumentError('give exactly one of --config-dir DIR and --kubernetes');
      }
      if (flags.kubeconfig && !flags.kubernetes) throw new InvalidArgumentError('--kubeconfig goes with --kubernetes');
      const source: ConfigSource = flags.kubernetes
        ? new KubernetesSource({ kubeconfigPath: flags.kubeconfig, log: logger('kubernetes-source') })
        : directorySource(flags.configDir);
      const running = await runControlPlane({ listen: flags.listen }, source);
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
