import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The install root: the folder holding package.json, found from this file
 * whether it runs from dist/ or elsewhere. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bpf'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the weft install root above ${fileURLToPath(import.meta.url)}`);
}

export const installRoot = findRoot();
export const bpfObjectDir = process.env.WEFT_BPF_DIR ?? join(installRoot, 'bpf', 'build');
export const nativeAddonPath =
  process.env.WEFT_NATIVE_ADDON ?? join(installRoot, 'native', 'build', 'Release', 'weft_native.node');
export const defaultConfigDir = join(installRoot, 'deploy', 'default');
