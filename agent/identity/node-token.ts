/**
 * The agent's node credential: a token in a file (--token-file), sent as
 * `authorization: Bearer <token>` on every control-plane call. The file is
 * re-read when it changes, so a rotated token (a new bootstrap token, or a
 * kubelet-refreshed projected service-account token) is picked up without
 * a restart.
 */
import { readFileSync, statSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { NodeTokenFileError } from './identity-errors.js';

export class NodeTokenSource {
  #cached: { token: string; stamp: string } | undefined;

  constructor(readonly file: string) {}

  token(): string {
    let stamp: string;
    try {
      const info = statSync(this.file);
      stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      throw new NodeTokenFileError(this.file, `cannot read the node token file ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    if (this.#cached?.stamp === stamp) return this.#cached.token;
    let token: string;
    try {
      token = readFileSync(this.file, 'utf8').trim();
    } catch (error) {
      throw new NodeTokenFileError(this.file, `cannot read the node token file ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    if (!token || /\s/.test(token)) throw new NodeTokenFileError(this.file, `the node token file ${this.file} must hold one token and nothing else`);
    this.#cached = { token, stamp };
    return token;
  }

  metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${this.token()}`);
    return metadata;
  }
}
