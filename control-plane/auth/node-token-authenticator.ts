/**
 * `--node-auth token`: a call's bearer token is looked up (by hash, compared
 * in constant time) in the state directory's token file. The file is
 * re-read when it changes, so `weft token create` and `revoke` take effect
 * on a running control plane: a new token works on its next call, and a
 * revoked one's open streams are ended within the poll interval.
 */
import { EventEmitter } from 'node:events';
import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { stat } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../core/log.js';
import { NodeAuthError } from '../ca/ca-errors.js';
import { bearerToken, type NodeAuthenticator, type NodeCredential } from './node-authenticator.js';
import { hashToken, NodeTokenFile, type NodeTokenRecord, tokenId } from './node-tokens.js';

export interface TokenAuthenticatorOptions {
  log: Logger;
  /** How often the token file is polled for revocations (default 2 s). */
  pollMs?: number;
}

const credentialId = (record: NodeTokenRecord) => `token:${record.id}`;

export class NodeTokenAuthenticator implements NodeAuthenticator {
  readonly mode = 'token' as const;
  readonly #file: NodeTokenFile;
  readonly #log: Logger;
  readonly #events = new EventEmitter<{ revoked: [string[]] }>();
  readonly #pollMs: number;
  #records: NodeTokenRecord[] = [];
  #stamp = '';
  #reading: Promise<void> | undefined;
  #watching = false;

  constructor(stateDir: string, options: TokenAuthenticatorOptions) {
    this.#file = new NodeTokenFile(stateDir);
    this.#log = options.log;
    this.#pollMs = options.pollMs ?? 2_000;
  }

  get path(): string {
    return this.#file.path;
  }

  /** Reads the file and starts watching it; how many tokens it holds. */
  async start(): Promise<number> {
    await this.#refresh();
    if (!this.#watching) {
      this.#watching = true;
      watchFile(this.#file.path, { interval: this.#pollMs, persistent: false }, () => void this.#refresh().catch((error) => this.#log.error({ err: error }, 'cannot re-read the node token file')));
    }
    return this.#records.length;
  }

  async authenticate(metadata: grpc.Metadata): Promise<NodeCredential> {
    const token = bearerToken(metadata);
    if (!token) throw new NodeAuthError(grpc.status.UNAUTHENTICATED, 'no node credential: send "authorization: Bearer <token>" (weft agent --token-file)');
    await this.#refresh();
    const presented = Buffer.from(hashToken(token), 'hex');
    let found: NodeTokenRecord | undefined;
    for (const record of this.#records) {
      // Every record is compared, so the time taken says nothing about which one matched.
      if (timingSafeEqual(presented, Buffer.from(record.sha256, 'hex')) && !found) found = record;
    }
    if (!found) {
      const id = tokenId(token);
      throw new NodeAuthError(grpc.status.UNAUTHENTICATED, `unknown or revoked node token${id ? ` ${id}` : ' (not a weft token)'}`);
    }
    return { node: found.node, id: credentialId(found), description: `token ${found.id}` };
  }

  onRevoked(listener: (ids: string[]) => void): () => void {
    this.#events.on('revoked', listener);
    return () => this.#events.off('revoked', listener);
  }

  close(): void {
    if (this.#watching) unwatchFile(this.#file.path);
    this.#watching = false;
  }

  /** Re-reads the file when its stat changed; concurrent callers share one read. */
  async #refresh(): Promise<void> {
    if (this.#reading) return this.#reading;
    this.#reading = (async () => {
      const info: Stats | undefined = await stat(this.#file.path).catch(() => undefined);
      const stamp = info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'absent';
      if (stamp === this.#stamp) return;
      const previous = this.#records;
      this.#stamp = stamp;
      try {
        this.#records = info ? await this.#file.list() : [];
      } catch (error) {
        // A file being hand-edited must not lock every node out: the last good tokens stay.
        this.#log.error({ err: error, file: this.#file.path }, 'cannot read the node token file; keeping the tokens read before');
        return;
      }
      const now = new Set(this.#records.map(credentialId));
      const revoked = previous.map(credentialId).filter((id) => !now.has(id));
      this.#log.info({ file: this.#file.path, tokens: this.#records.length, nodes: [...new Set(this.#records.map((r) => r.node))].length }, 'node tokens loaded');
      if (revoked.length > 0) {
        this.#log.warn({ revoked }, 'node tokens revoked');
        this.#events.emit('revoked', revoked);
      }
    })().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }
}
