import { defaultPathNormalization, pathNormalizations } from '../../agent/authz/normalize-path.js';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { runAgent } from '../../agent/app.js';
import { DirectoryFeed } from '../directory-feed.js';
import { agentDefaults } from '../../agent/config.js';
import { removeDatapath } from '../../agent/datapath/datapath.js';
import { kubeletCgroupDriverOptions, normalizeKubeletRoot, type KubeletCgroupDriverOption } from '../../agent/enrol/kubelet-cgroups.js';
import { logger } from '../../core/log.js';
import { accessLogModes } from '../../agent/proxy/access-log.js';

function ipv4(value: string): string {
  if (!isIPv4(value)) throw new InvalidArgumentError(`'${value}' is not an IPv4 address`);
  return value;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`'${value}' is not a port (1-65535)`);
  return n;
}

function kubeletCgroupDriver(value: string): KubeletCgroupDriverOption {
  const option = kubeletCgroupDriverOptions.find((o) => o === value);
  if (!option) throw new InvalidArgumentError(`'${value}' is not one of ${kubeletCgroupDriverOptions.join(', ')}`);
  return option;
}

function kubeletCgroupRoot(value: string): string {
  try {
    return normalizeKubeletRoot(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`'${value}' is not a share between 0 and 1`);
  return n;
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('run the node agent: enrol local pods, run the node proxy')
    .requiredOption('--node <name>', 'this node\'s name, as Workloads name it in spec.node')
    .requiredOption('--node-ip <ip>', 'this node\'s IPv4 address; the proxy listens here', ipv4)
    .option('--control-plane <addr>', 'the control plane: unix:/path/to.sock or host:port')
    .option('--config-dir <dir>', 'standalone mode: a directory of manifests, watched, instead of a control plane')
    .option('--token-file <file>', "this node's credential (weft token create, or a projected service-account token), sent on every control-plane call; re-read when it changes")
    .option('--control-plane-ca <file>', "the mesh's trust bundle (PEM): the control plane's TLS certificate must chain to it; required for a host:port control plane")
    .option('--control-plane-server-name <name>', "the name the control plane's certificate must carry (default: the host dialled; weft-control-plane when dialling an IP)")
    .option('--state-dir <dir>', "with --control-plane: where the node keeps its last applied config (and the mesh's trust bundle, never certificates), so a restart or reboot without the control plane enrols its pods at once", agentDefaults.stateDir)
    .option('--bpffs-root <dir>', 'where pins live (under <dir>/<node>)', agentDefaults.bpffsRoot)
    .option('--cgroup-mount <dir>', 'the cgroup v2 mount (default: discovered)')
    .option('--kubelet-cgroup-driver <driver>', `the kubelet's cgroup driver, to find pods' cgroups: ${kubeletCgroupDriverOptions.join('|')} (auto: whichever hierarchy exists, systemd first)`, kubeletCgroupDriver, agentDefaults.kubeletCgroupDriver)
    .option('--kubelet-cgroup-root <path>', "the kubelet's --cgroup-root (e.g. /kubelet), or the slice or directory under the cgroup v2 mount its kubepods cgroup is in", kubeletCgroupRoot, agentDefaults.kubeletCgroupRoot)
    .option('--outbound-port <port>', 'outbound listener port', port, agentDefaults.outboundPort)
    .option('--metrics-port <port>', 'metrics and health port', port, agentDefaults.metricsPort)
    .option('--admin-port <port>', 'status port, on 127.0.0.1', port, agentDefaults.adminPort)
    .addOption(
      new Option('--access-log <mode>', 'access log lines per connection and per HTTP request: off, sampled (every failure, and a share of the rest) or full')
        .choices(accessLogModes)
        .default(agentDefaults.accessLog),
    )
    .option('--access-log-sample-rate <share>', 'with --access-log sampled: the share of successful connections and requests logged (0..1)', share, agentDefaults.accessLogSampleRate)
    .addOption(
      new Option(
        '--path-normalization <mode>',
        "how request paths are normalised before routing, authorization and forwarding (Istio's pathNormalization; set it alike on every node): " +
          'DECODE_AND_MERGE_SLASHES decodes %2F and %5C into / and merges slashes; REJECT_ENCODED_SLASHES answers 400 to them instead',
      )
        .choices(pathNormalizations)
        .default(defaultPathNormalization),
    )
    .option('--max-connections-per-pod <n>', "connections one pod may hold through this node's proxy at once; the excess is reset and counted (default: a quarter of what the open-file limit leaves after a reserve for health, metrics and the control plane)", positiveInteger)
    .action(async (flags) => {
      const log = logger('cli');
      if (Boolean(flags.controlPlane) === Boolean(flags.configDir)) {
        throw new InvalidArgumentError('give exactly one of --control-plane ADDR and --config-dir DIR');
      }
      if (!flags.controlPlane && (flags.tokenFile || flags.controlPlaneCa || flags.controlPlaneServerName)) {
        throw new InvalidArgumentError('--token-file, --control-plane-ca and --control-plane-server-name go with --control-plane');
      }
      const started = runAgent({
        node: flags.node,
        nodeIp: flags.nodeIp,
        configDir: flags.configDir,
        controlPlane: flags.controlPlane,
        controlPlaneCa: flags.controlPlaneCa,
        controlPlaneServerName: flags.controlPlaneServerName,
        tokenFile: flags.tokenFile,
        stateDir: flags.stateDir,
        bpffsRoot: flags.bpffsRoot,
        cgroupMount: flags.cgroupMount,
        kubeletCgroupDriver: flags.kubeletCgroupDriver,
        kubeletCgroupRoot: flags.kubeletCgroupRoot,
        outboundPort: flags.outboundPort,
        metricsPort: flags.metricsPort,
        adminPort: flags.adminPort,
        connectTimeoutMs: agentDefaults.connectTimeoutMs,
        enrolRetryMs: agentDefaults.enrolRetryMs,
        drainGraceMs: agentDefaults.drainGraceMs,
        accessLog: flags.accessLog,
        accessLogSampleRate: flags.accessLogSampleRate,
        maxConnectionsPerPod: flags.maxConnectionsPerPod,
        pathNormalization: flags.pathNormalization,
      }, flags.configDir ? new DirectoryFeed(flags.configDir, logger('config', { node: flags.node, dir: flags.configDir })) : undefined);
      // A start that fails has undone what it did: say why, in the log, and exit non-zero.
      const agent = await started.catch((error: Error) => {
        log.error({ err: error }, `agent did not start: ${error.message}`);
        process.exit(1);
      });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        agent.stop().then(
          () => process.exit(0),
          (error) => {
            log.error({ err: error }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });

  program
    .command('cleanup')
    .description('uninstall from this node: detach every Weft program from pod cgroups and remove its pins')
    .requiredOption('--node <name>', 'the node whose pins to remove')
    .option('--bpffs-root <dir>', 'where pins live', agentDefaults.bpffsRoot)
    .action((flags) => {
      const pinRoot = join(flags.bpffsRoot, flags.node);
      removeDatapath(pinRoot);
      logger('cli').info({ pinRoot }, 'datapath removed');
    });
}
