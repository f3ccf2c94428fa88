/**
 * Reconnect delays: exponential, capped, with full jitter (a uniform draw
 * below the ceiling), so agents cut off together by a control-plane restart
 * do not all come back in the same instant. The cap is short because a
 * reconnect is cheap (one stream) while a late one leaves the node on stale
 * config: with a 1.5 s ceiling, agents are back within seconds of a
 * control-plane restart, which is what an operator watching a rollout expects.
 */
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** [0, 1); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor({ baseMs = 200, capMs = 1_500, random = Math.random }: BackoffOptions = {}) {
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.#random = random;
  }

  /** The delay before the next attempt; each call raises the ceiling until it reaches the cap. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.#attempt);
    if (ceiling < this.capMs) this.#attempt++;
    return Math.floor(this.#random() * ceiling);
  }

  /** After a healthy stream: the next failure starts again from the base. */
  reset(): void {
    this.#attempt = 0;
  }
}
