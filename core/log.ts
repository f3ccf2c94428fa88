import { pino, type Logger } from 'pino';

/**
 * Logs leave through an asynchronous destination: a synchronous write to a
 * stdout pipe that its reader drains slowly (a container runtime under load,
 * a test harness) blocks the event loop, and with it every proxied
 * connection; sonic-boom even sleeps 100 ms on EAGAIN. Lines are batched, up
 * to minLength bytes or flushInterval, whichever comes first: an access log
 * line per request would otherwise be a write (a thread-pool round trip) per
 * request. pino flushes what is pending on exit. Past maxLength of backlog
 * new lines are dropped rather than held without bound; the first drop is
 * said on stderr.
 */
const flushIntervalMs = 200;
const destination = pino.destination({ dest: 1, sync: false, minLength: 8 * 1024, maxLength: 16 * 1024 * 1024 });
destination.once('drop', () => process.stderr.write('weft: stdout is not being read fast enough; log lines are being dropped\n'));
let unflushed = false;
setInterval(() => {
  if (!unflushed) return;
  unflushed = false;
  destination.flush();
}, flushIntervalMs).unref();

/** One pino root; each part of Weft logs through a `component` child. */
const root: Logger = pino(
  {
    level: process.env.WEFT_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: {
      streamWrite: (line) => {
        unflushed = true;
        return line;
      },
    },
  },
  destination,
);

export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ component, ...bindings });
}

export type { Logger };
