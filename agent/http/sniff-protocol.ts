/**
 * What a client speaks, from its first bytes: the HTTP/2 connection preface
 * (h2c with prior knowledge, gRPC), an HTTP/1 request line, or anything
 * else. The bytes read are put back (unshift) so whoever takes the socket
 * next reads them as if nobody had looked. A client that sends nothing for
 * `timeoutMs` is not HTTP (a server-first protocol waits for the server's
 * banner): it goes to the L4 path with what it sent so far. One that ends
 * before the bytes decide anything is closed.
 */
import type { Duplex } from 'node:stream';
import { sniffHttp1 } from '../proxy/http-sniff.js';

export type SniffedProtocol = 'http1' | 'http2' | 'other' | 'timeout' | 'closed';

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function decide(head: Buffer): SniffedProtocol | undefined {
  const length = Math.min(head.length, preface.length);
  if (head.subarray(0, length).equals(preface.subarray(0, length))) return head.length >= preface.length ? 'http2' : undefined;
  const h1 = sniffHttp1(head);
  if (h1 === 'http1') return 'http1';
  return h1 === 'other' ? 'other' : undefined;
}

/** Resolves with the protocol once decided; the socket is left paused with every byte read put back. */
export function sniffProtocol(socket: Duplex, timeoutMs: number | undefined): Promise<SniffedProtocol> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = (protocol: SniffedProtocol) => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      if (socket.readableEnded) return resolve('closed'); // bytes past the end cannot be put back; too few to be anything
      if (chunks.length > 0) socket.unshift(Buffer.concat(chunks));
      resolve(protocol);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) chunks.push(chunk);
      const decided = decide(Buffer.concat(chunks));
      if (decided) finish(decided);
    };
    const onEnd = () => finish('closed');
    if (timeoutMs !== undefined) timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}
