/**
 * `flood`: what an abusive pod does to its node's proxy — open `count`
 * connections (at most `concurrency` connects in flight), send nothing and
 * keep every one that stays open until `holdMs` after the last attempt,
 * then close them all. The result says how many were held to the end and
 * how the others ended (a reset by the proxy is ECONNRESET), so a test can
 * see the limit at work from the flooder's side.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { limits } from './pod-worker-protocol.js';
import { checkInteger, codeOf } from './worker-error.js';

export interface FloodArgs {
  host: string;
  port: number;
  count: number;
  concurrency?: number;
  /** how long the connections stay open after the last attempt */
  holdMs: number;
  /** per connect */
  timeoutMs?: number;
}

export interface FloodResult {
  attempted: number;
  /** still open when the hold ended */
  held: number;
  /** connected, then ended by the other side before the hold ended */
  cut: Record<string, number>;
  /** never connected */
  failed: Record<string, number>;
  elapsedMs: number;
}

/** Bounded: a worker holds at most this many sockets (its open-file limit must allow them). */
const maxFlood = 20_000;

export async function flood(args: FloodArgs): Promise<FloodResult> {
  const count = checkInteger('count', args.count, 1, maxFlood);
  const concurrency = checkInteger('concurrency', args.concurrency ?? 256, 1, 4096);
  const holdMs = checkInteger('holdMs', args.holdMs, 0, limits.maxTimeoutMs);
  const timeoutMs = args.timeoutMs ?? 5000;
  const started = performance.now();
  const open = new Set<Socket>();
  let ending = false;
  const result: FloodResult = { attempted: 0, held: 0, cut: {}, failed: {}, elapsedMs: 0 };
  const bump = (table: Record<string, number>, code: string) => (table[code] = (table[code] ?? 0) + 1);

  const one = () =>
    new Promise<void>((resolve) => {
      const socket = netConnect({ host: args.host, port: args.port });
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
      let connected = false;
      let error: unknown;
      socket.on('error', (e) => (error ??= e));
      socket.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        open.add(socket);
        resolve();
      });
      socket.once('close', () => {
        clearTimeout(timer);
        if (ending) return; // closed by us, at the end of the hold
        if (!open.delete(socket) && !connected) {
          bump(result.failed, error ? codeOf(error) : 'ECLOSED');
          resolve();
        } else if (connected) bump(result.cut, error ? codeOf(error) : 'ECLOSED');
      });
      socket.resume();
    });

  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      result.attempted++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  result.held = open.size;
  ending = true;
  for (const socket of open) socket.destroy();
  open.clear();
  result.elapsedMs = Math.round(performance.now() - started);
  return result;
}
