/**
 * Deterministic pseudo-random bytes, produced in chunks so that 64 MiB never
 * sits in memory at once. AES-128-CTR over zeros: fast, and the same seed
 * always yields the same stream.
 */
import { createCipheriv, createHash, type Hash } from 'node:crypto';
import type { Socket } from 'node:net';

const chunkSize = 64 * 1024;
const zeros = Buffer.alloc(chunkSize);

export function* patternChunks(seed: string, total: number): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  for (let left = total; left > 0; left -= chunkSize) {
    yield cipher.update(zeros.subarray(0, Math.min(chunkSize, left)));
  }
}

export interface Sent {
  bytes: number;
  sha256: string;
}

/** Writes the pattern with backpressure, hashing as it goes, then end()s the
 * socket (half-close) and resolves once everything is handed to the kernel. */
export async function sendPattern(socket: Socket, seed: string, total: number): Promise<Sent> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const chunk of patternChunks(seed, total)) {
    hash.update(chunk);
    bytes += chunk.length;
    if (!socket.write(chunk)) await drained(socket);
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('close', () => reject(closedError()));
    socket.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
  return { bytes, sha256: hash.digest('hex') };
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => settle(resolve);
    const onClose = (): void => settle(() => reject(closedError()));
    const settle = (action: () => void): void => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      action();
    };
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

function closedError(): Error {
  return Object.assign(new Error('the socket closed while sending'), { code: 'ECONNRESET' });
}

/** Counts and hashes what arrives. */
export class Received {
  bytes = 0;
  readonly #hash: Hash = createHash('sha256');

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.#hash.update(chunk);
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}
