/** `weft config validate DIR`: every issue with file, document, field and line; exit 1 on any error. */
import type { Command } from 'commander';
import { ConfigError } from '../../control-plane/sources/file-source-errors.js';
import { emptyMeshConfig } from '../../model/empty-config.js';
import type { LoadResult } from '../../model/types.js';
import { renderValidationReport, validationExitCode, validationReport } from '../../control-plane/manifests/validation-report.js';
import { loadConfigDir } from '../../control-plane/sources/file-source.js';

/** A directory that cannot be read is reported like any other error, so --json output keeps one shape (weft authz check loads the same way). */
export async function loadManifestDir(dir: string): Promise<LoadResult> {
  try {
    return await loadConfigDir(dir);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { config: emptyMeshConfig(), issues: [{ severity: 'error', file: dir, document: 0, path: '', message: error.message }] };
  }
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('work with mesh manifests');
  config
    .command('validate')
    .description('validate a directory of manifests (*.yaml, *.yml) as the control plane would load it')
    .argument('<dir>', 'the manifest directory')
    .option('--json', 'print the report as JSON: { ok, dir, errors, warnings, loaded, issues }')
    .action(async (dir: string, options: { json?: boolean }) => {
      const report = validationReport(dir, await loadManifestDir(dir));
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderValidationReport(report));
      // exitCode, not exit(): stdout may be a pipe still draining.
      process.exitCode = validationExitCode(report);
    });
}
