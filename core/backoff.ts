/**
 * The one backoff: delays that double from `baseMs` to `capMs`, jittered so
 * that many clients cut off together do not all come back in the same
 * instant. Two jitter styles, one per kind of caller:
 *  - 'full' (the default): a uniform draw below the ceiling. The agent's
 *    reconnects use it with a short cap, because a reconnect is cheap (one
 *    stream) while a late one leaves the node on stale config: with a 1.5 s
 *    ceiling, agents are back within seconds of a control-plane restart,
 *    which is what an operator watching a rollout expects.
 *  - { fraction }: the ceiling less up to that fraction of it. The control
 *    plane's Kubernetes informers use 20%, doubling from 250 ms to 30 s, so
 *    its informers (and several control planes) do not retry in step, yet
 *    each waits about as long as the doubling says.
 */
export type Jitter = 'full' | { fraction: number };

export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** 'full' (default): uniform in [0, ceiling); { fraction: f }: in (ceiling * (1 - f), ceiling]. */
  jitter?: Jitter;
  /** [0, 1); injectable for tests. */
  random?: () => number;
}

/** Past this many doublings the ceiling is the cap for any base worth having; it also keeps 2 ** n finite. */
const maxDoublings = 30;

export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly jitter: Jitter;
  readonly #random: () => number;
  #attempt = 0;

  constructor({ baseMs = 200, capMs = 1_500, jitter = 'full', random = Math.random }: BackoffOptions = {}) {
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.jitter = jitter;
    this.#random = random;
  }

  /** The delay before the next attempt; each call raises the ceiling until it reaches the cap. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.#attempt);
    if (ceiling < this.capMs && this.#attempt < maxDoublings) this.#attempt++;
    if (this.jitter === 'full') return Math.floor(this.#random() * ceiling);
    return Math.round(ceiling * (1 - this.#random() * this.jitter.fraction));
  }

  /** After a healthy stream (or list): the next failure starts again from the base. */
  reset(): void {
    this.#attempt = 0;
  }
}
