/**
 * The CA in the state directory: `<state-dir>/ca/root-cert.pem` and
 * `root-key.pem` (mode 0600, in a 0700 directory). Both are written into a
 * fresh temporary directory that is then renamed into place, which fails
 * when `ca/` already exists: two control planes starting together on one
 * state directory end up with one root, and a crash mid-write leaves only
 * a temporary directory, never half a CA.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CaMaterialError } from './ca-errors.js';
import type { CaMaterial } from './ca-material.js';
import type { CaStore } from './ca-store.js';

export const caCertFile = 'root-cert.pem';
export const caKeyFile = 'root-key.pem';

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export class FileCaStore implements CaStore {
  readonly dir: string;

  constructor(readonly stateDir: string) {
    this.dir = join(stateDir, 'ca');
  }

  get description(): string {
    return this.dir;
  }

  async load(): Promise<CaMaterial | undefined> {
    let certChainPem: string;
    try {
      certChainPem = await readFile(join(this.dir, caCertFile), 'utf8');
    } catch (error) {
      if (code(error) === 'ENOENT') {
        const dirExists = await readFile(join(this.dir, caKeyFile)).then(() => true, () => false);
        if (dirExists) throw new CaMaterialError(`${this.dir}: ${caKeyFile} without ${caCertFile}; restore the certificate, or remove the directory to make a new CA (every workload certificate and agent trust bundle then changes)`);
        return undefined;
      }
      throw new CaMaterialError(`cannot read ${join(this.dir, caCertFile)}: ${(error as Error).message}`, { cause: error });
    }
    let keyPem: string;
    try {
      keyPem = await readFile(join(this.dir, caKeyFile), 'utf8');
    } catch (error) {
      throw new CaMaterialError(`cannot read ${join(this.dir, caKeyFile)}: ${(error as Error).message}`, { cause: error });
    }
    return { certChainPem, keyPem, origin: this.dir };
  }

  async saveIfAbsent(material: CaMaterial): Promise<CaMaterial> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const staging = join(this.stateDir, `.ca-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(staging, { mode: 0o700 });
      await writeFile(join(staging, caKeyFile), material.keyPem, { mode: 0o600, flag: 'wx' });
      await writeFile(join(staging, caCertFile), material.certChainPem, { mode: 0o644, flag: 'wx' });
      try {
        await rename(staging, this.dir);
        return { ...material, origin: this.dir };
      } catch (error) {
        if (code(error) !== 'EEXIST' && code(error) !== 'ENOTEMPTY') throw error;
      }
    } catch (error) {
      if (error instanceof CaMaterialError) throw error;
      throw new CaMaterialError(`cannot store the CA in ${this.dir}: ${(error as Error).message}`, { cause: error });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const winner = await this.load();
    if (!winner) throw new CaMaterialError(`${this.dir} exists but holds no CA`);
    return winner;
  }
}
