/**
 * Many idle connections held open, run inside a client pod:
 *
 *   node hold-connections.js --host H --port P --count 10000 [--concurrency 200] [--hold-ms 120000]
 *
 * A connection counts as held once the server's first byte has come back
 * through the whole path (the bench server's hold port speaks first), so the
 * proxies between have set up both sides of it. Prints
 * {"event":"held", held, failed, ...} when every attempt has ended, holds the
 * connections until SIGTERM, stdin closing or --hold-ms, then closes them all
 * and prints {"event":"released"}.
 */
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '200' },
    'timeout-ms': { type: 'string', default: '10000' },
    'hold-ms': { type: 'string', default: '120000' },
  },
});
const host = String(values.host);
const port = Number(values.port);
const count = Math.min(100_000, Number(values.count));
const concurrency = Math.min(1000, Number(values.concurrency));
const timeoutMs = Math.min(60_000, Number(values['timeout-ms']));
const holdMs = Math.min(10 * 60_000, Number(values['hold-ms']));

const held = new Set<Socket>();
const errors: Record<string, number> = {};
let dropped = 0;

function openOne(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, noDelay: true });
    const fail = (code: string) => {
      clearTimeout(timer);
      errors[code] = (errors[code] ?? 0) + 1;
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(() => fail('ETIMEDOUT'), timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ERROR'));
    socket.once('data', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      socket.once('close', () => {
        if (held.delete(socket)) dropped++;
      });
      held.add(socket);
      resolve();
    });
  });
}

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      next++;
      await openOne();
    }
  }),
);
const failed = Object.values(errors).reduce((a, b) => a + b, 0);
process.stdout.write(
  `${JSON.stringify({ event: 'held', held: held.size, failed, errors, elapsedMs: Math.round(performance.now() - started) })}\n`,
);

function release(): void {
  const stillHeld = held.size;
  for (const socket of held) socket.destroy();
  held.clear();
  process.stdout.write(`${JSON.stringify({ event: 'released', released: stillHeld, droppedWhileHeld: dropped })}\n`);
  process.exit(0);
}
process.once('SIGTERM', release);
process.stdin.once('end', release).resume();
setTimeout(release, holdMs).unref();
