/**
 * The directory source: every *.yaml / *.yml file directly in a directory,
 * read in name order (so which of two clashing objects wins is predictable),
 * as one mesh config. Watching for changes belongs to the caller.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from './file-source-errors.js';
import type { ConfigIssue } from '../../model/issues.js';
import { loadManifests, type ManifestText } from '../manifests/load-manifests.js';
import type { LoadResult } from '../../model/types.js';

const manifestName = /\.ya?ml$/i;

/** Node's fs messages already lead with the code: "ENOENT: no such file or directory, scandir 'x'". */
function errnoMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The manifest files of `dir`, sorted. Dot-files are skipped: editors' swap
 * files, and the `..data` links of a mounted ConfigMap, whose manifests are
 * also reachable as symlinks at the top level (which are followed).
 */
export async function listManifestFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const configError = new ConfigError(`cannot read config directory ${dir}: ${errnoMessage(error)}`, dir);
    configError.cause = error;
    throw configError;
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || !manifestName.test(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isFile() || (entry.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile())) files.push(path);
  }
  return files.sort();
}

/** Loads the directory. Throws ConfigError only if the directory itself cannot be read; everything else is an issue. */
export async function loadConfigDir(dir: string): Promise<LoadResult> {
  const files = await listManifestFiles(dir);
  const sources: ManifestText[] = [];
  const readIssues: ConfigIssue[] = [];
  for (const file of files) {
    try {
      sources.push({ file, text: await readFile(file, 'utf8') });
    } catch (error) {
      readIssues.push({ severity: 'error', file, document: 0, path: '', message: `cannot read: ${errnoMessage(error)}` });
    }
  }
  if (files.length === 0) {
    readIssues.push({ severity: 'warning', file: dir, document: 0, path: '', message: 'no *.yaml or *.yml files; the mesh is empty' });
  }
  const result = loadManifests(sources);
  return { config: result.config, issues: [...readIssues, ...result.issues] };
}
