/** The files under a folder of the tree that a source scan reads: build output, dependencies and generated code left out. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const skipped = ['node_modules', 'dist', 'build', 'generated'];

/** Every file below `dir` whose name `wanted` accepts; none when `dir` does not exist. */
export function sourceFiles(dir: string, wanted: (name: string) => boolean): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skipped.includes(entry.name) ? [] : sourceFiles(path, wanted);
    return wanted(entry.name) ? [path] : [];
  });
}
