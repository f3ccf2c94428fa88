import { pino, type Logger } from 'pino';

/** One pino root; each part of Weft logs through a `component` child. */
const root: Logger = pino({
  level: process.env.WEFT_LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ component, ...bindings });
}

export type { Logger };
