/**
 * `weft authz check`: the operator's dry run of authorization (istioctl x
 * authz check). It loads a manifest directory as `weft config validate`
 * does and asks the data plane's own matcher (agent/authz) what it would
 * decide for one caller and one destination, for each endpoint of a
 * Service. Exit 0: every destination allows; 1: some denies (or answers
 * 400); 2: the question itself is wrong (flags, names, an invalid directory).
 */
import { Option, type Command } from 'commander';
import { defaultPathNormalization } from '../../agent/authz/normalize-path.js';
import { defaultTrustDomain } from '../../agent/telemetry/labels.js';
import { renderValidationReport, validationReport } from '../../control-plane/manifests/validation-report.js';
import { countErrors } from '../../model/issues.js';
import { AuthzCheckUsageError } from '../authz/authz-check-errors.js';
import { checkAuthz } from '../authz/check-authz.js';
import { outputFormats, parseFlags, pathNormalizations, type CheckFlags } from '../authz/check-flags.js';
import { checkExitCode, renderCheckJson, renderCheckText } from '../authz/render-check.js';
import { loadManifestDir } from './config-command.js';

export interface CheckOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const usageExitCode = 2;

/** The whole command behind commander: flags in, text out, the exit code back (tests call it directly). */
export async function runAuthzCheck(flags: CheckFlags, out: CheckOutput): Promise<number> {
  try {
    const parsed = parseFlags(flags);
    const loaded = await loadManifestDir(parsed.configDir);
    if (countErrors(loaded.issues) > 0) {
      // The mesh would run without the objects in error, so an answer here could be wrong: fix the directory first.
      out.stderr.write(renderValidationReport(validationReport(parsed.configDir, loaded)));
      return usageExitCode;
    }
    const results = checkAuthz(loaded.config, parsed);
    if (results.length === 0) out.stderr.write(`${flags.service} port ${parsed.port} selects no workload: a connection to it has no endpoint to reach\n`);
    out.stdout.write(parsed.output === 'json' ? renderCheckJson(results) : renderCheckText(results));
    return checkExitCode(results);
  } catch (error) {
    if (!(error instanceof AuthzCheckUsageError)) throw error;
    out.stderr.write(`weft authz check: ${error.message}\n`);
    return usageExitCode;
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

const examples = `
Exactly one source (--from, or --plaintext with --source-ip) and one destination
(--to or --service, with --port). The request is HTTP when --method, --path, --host
or -H is given, or when the Service port is HTTP, HTTP/2 or gRPC; on a port declared
TCP (or opaque) the HTTP fields are dropped, as the proxy never parses HTTP there.

Output, one line per destination (a Service: each endpoint, at its targetPort):
  DENY  shop/reviews-v1 10.244.1.12:9080  denied by policy shop/deny-admin rule 0  path=/admin/x
  -o json: [{ destination: { workload, ip, port }, allowed, reason, policy?, action?,
              rule?, audits: [{ policy, rule }], http?: { method, path, host }, status?, note? }]

Exit status: 0 every destination allows, 1 any denies (or answers 400 to the path),
2 a usage or config error (bad flags, unknown workload or Service port, invalid manifests).

Examples:
  weft authz check --config-dir deploy/default --from shop/frontend-0 --service shop/reviews --port 9080 --path /reviews/1
  weft authz check --config-dir deploy/default --plaintext --source-ip 192.168.1.7 --to shop/reviews-v1-0 --port 9080`;

export function registerAuthzCommand(program: Command): void {
  const authz = program.command('authz').description('authorization policies: ask what the data plane would decide');
  authz
    .command('check')
    .description('dry-run one request against a manifest directory\'s AuthorizationPolicies, with the data plane\'s own matcher')
    .option('--config-dir <dir>', 'the manifest directory (*.yaml, *.yml), loaded as weft config validate loads it (required)')
    .option('--from <ns/workload>', 'the calling Workload: its SPIFFE principal, namespace and IP')
    .option('--plaintext', 'the caller is outside the mesh: no principal, no namespace (needs --source-ip)')
    .option('--source-ip <ip>', 'the plaintext caller\'s IPv4 address, as ipBlocks and source.ip see it')
    .option('--to <ns/workload>', 'the called Workload, by its pod IP and --port')
    .option('--service <ns/name>', 'the called Service: every endpoint it selects is decided, at its targetPort')
    .option('--port <n>', 'the workload\'s port with --to, the Service\'s port with --service (required)')
    .option('--method <method>', 'the HTTP method, case-sensitive as policies match it (default GET; POST on a gRPC port)')
    .option('--path <path>', 'the request target; normalised as the proxy does, query dropped (default /)')
    .option('--host <host>', 'the Host (:authority) the request carries, compared case-insensitively (default: a -H host, or empty)')
    .option('-H, --header <header>', "a request header 'name: value'; repeat for more, or for the same name more than once", collect, [])
    .option('--sni <name>', 'a TLS server name for connection.sni conditions, as if it were known: the proxy reads no ClientHello, so without --sni the check decides as the data plane does (unknown: a DENY on it holds, an ALLOW does not)')
    .addOption(
      new Option('--path-normalization <mode>', `how the path is normalised before matching (default ${defaultPathNormalization})`).choices(pathNormalizations),
    )
    .option('--trust-domain <domain>', 'the mesh trust domain of --from\'s principal', defaultTrustDomain)
    .addOption(new Option('-o, --output <format>', 'text or json').choices(outputFormats).default('text'))
    .addHelpText('after', examples)
    // Commander's own refusals (unknown option, bad choice) are usage errors too: exit 2, not its 1.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : usageExitCode))
    .action(async (flags: CheckFlags) => {
      // exitCode, not exit(): stdout may be a pipe still draining.
      process.exitCode = await runAuthzCheck(flags, process);
    });
}
