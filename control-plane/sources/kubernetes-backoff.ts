/**
 * Delays between attempts to reach the API server: doubling from `baseMs`
 * to `maxMs`, each with up to 20% jitter so that a control plane's informers
 * (and several control planes) do not retry in step.
 */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
}

export class Backoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#baseMs = options.baseMs ?? 250;
    this.#maxMs = options.maxMs ?? 30_000;
  }

  next(): number {
    const delay = Math.min(this.#baseMs * 2 ** Math.min(this.#attempt, 30), this.#maxMs);
    this.#attempt++;
    return Math.round(delay * (1 - Math.random() * 0.2));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
