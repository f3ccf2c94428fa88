/**
 * At most one log line per key per interval, counting the ones held back:
 * an event that a flood repeats thousands of times a second (a refused
 * connection) must stay visible without the log becoming the next thing a
 * flood exhausts.
 */
export class LogThrottle {
  readonly #last = new Map<string, { at: number; held: number }>();

  constructor(private readonly intervalMs: number, private readonly now: () => number = () => performance.now()) {}

  /** The number of lines held back since the last one if a line may be written now, else undefined. */
  take(key: string): number | undefined {
    const now = this.now();
    const entry = this.#last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.held++;
      return undefined;
    }
    this.#last.set(key, { at: now, held: 0 });
    return entry?.held ?? 0;
  }
}
