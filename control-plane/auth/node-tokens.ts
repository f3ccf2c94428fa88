/**
 * Per-node bootstrap tokens (file mode): `weft token create --node NAME`
 * makes one, prints it once, and stores only its SHA-256 in
 * `<state-dir>/node-tokens.json` (mode 0600). A token is
 * `weft1.<id>.<secret>`: the id names it in `weft token list/revoke` and in
 * logs, the secret is 32 random bytes (base64url). A plain hash is enough
 * for a 256-bit random secret: there is nothing to brute-force, so a slow
 * password hash would only cost CPU on every call.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dnsSubdomain } from '../../api/field-checks.js';
import { NodeTokenStoreError } from '../ca/ca-errors.js';

export const tokenFileName = 'node-tokens.json';
const tokenPattern = /^weft1\.([0-9a-f]{8})\.([A-Za-z0-9_-]{43})$/;

export interface NodeTokenRecord {
  id: string;
  node: string;
  /** hex SHA-256 of the whole token string */
  sha256: string;
  createdAt: string;
}

interface TokenFileBody {
  version: 1;
  tokens: NodeTokenRecord[];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The id part of a well-formed token (for logs: never log the token), or undefined. */
export function tokenId(token: string): string | undefined {
  return tokenPattern.exec(token)?.[1];
}

export function newToken(): { token: string; id: string } {
  const id = randomBytes(4).toString('hex');
  return { id, token: `weft1.${id}.${randomBytes(32).toString('base64url')}` };
}

export function parseTokenFile(text: string, path: string): NodeTokenRecord[] {
  let body: Partial<TokenFileBody>;
  try {
    body = JSON.parse(text) as Partial<TokenFileBody>;
  } catch (error) {
    throw new NodeTokenStoreError(`${path}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (body.version !== 1 || !Array.isArray(body.tokens)) throw new NodeTokenStoreError(`${path}: expected { "version": 1, "tokens": [...] }`);
  return body.tokens.filter(
    (t): t is NodeTokenRecord => typeof t?.id === 'string' && typeof t.node === 'string' && typeof t.sha256 === 'string' && /^[0-9a-f]{64}$/.test(t.sha256),
  );
}

/** The token file of a state directory: what `weft token` edits and the control plane reads. */
export class NodeTokenFile {
  readonly path: string;

  constructor(readonly stateDir: string) {
    this.path = join(stateDir, tokenFileName);
  }

  async list(): Promise<NodeTokenRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new NodeTokenStoreError(`cannot read ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    return parseTokenFile(text, this.path);
  }

  /** A new token for `node` (other tokens of the node stay valid until revoked); the token is returned once, never stored. */
  async create(node: string): Promise<{ token: string; record: NodeTokenRecord }> {
    dnsSubdomain(node, 'node');
    const { token, id } = newToken();
    const record: NodeTokenRecord = { id, node, sha256: hashToken(token), createdAt: new Date().toISOString() };
    await this.#write([...(await this.list()), record]);
    return { token, record };
  }

  /** Removes the tokens with this id, or every token of this node; returns what was removed. */
  async revoke(which: { id?: string; node?: string }): Promise<NodeTokenRecord[]> {
    const tokens = await this.list();
    const removed = tokens.filter((t) => t.id === which.id || t.node === which.node);
    if (removed.length > 0) await this.#write(tokens.filter((t) => !removed.includes(t)));
    return removed;
  }

  /** Written to a temporary file and renamed: a reader never sees half a file. */
  async #write(tokens: NodeTokenRecord[]): Promise<void> {
    const body: TokenFileBody = { version: 1, tokens };
    const staging = `${this.path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
      await writeFile(staging, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await rename(staging, this.path);
    } catch (error) {
      throw new NodeTokenStoreError(`cannot write ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }
}
