/**
 * The rapid-reset rule (CVE-2023-44487), as Envoy has it for premature
 * resets: a session that has opened at least `minStreams` streams and whose
 * peer reset more than `maxResetRatio` of them before we answered is a
 * flooder, and is closed with GOAWAY ENHANCE_YOUR_CALM.
 *
 * Why a ratio and not a rate: a pooled session lives for hours and a real
 * peer resets an unanswered CONNECT only when its own connect timeout fires
 * or its app gave up, a small share of what it opens however busy it is; a
 * flooder resets nearly everything. Why only resets before the answer: once
 * a stream has its 200, a reset is how the proxied TCP connection ends with
 * an RST (copy-duplex.ts), normal traffic. Why a floor on the streams
 * opened: a fresh session whose first few CONNECTs time out against a slow
 * pod must not be closed for it.
 *
 * Node's bundled nghttp2 has a reset limiter of its own (a token bucket of
 * 1000 RST_STREAMs refilled at 33/s per session): it ends a session only
 * after its first thousand resets, and then as a bare protocol error that
 * neither logs the peer nor tells it to calm down; a flooder pacing under
 * 33/s, or opening a new session every few hundred streams, never meets it.
 */
export interface ResetRule {
  minStreams: number;
  maxResetRatio: number;
}

export const defaultResetRule: ResetRule = { minStreams: 100, maxResetRatio: 0.5 };

/**
 * The rule for a new session of a peer whose session was closed by the rule
 * lately: a flooder sent away comes straight back, and each new session
 * would otherwise get another hundred streams for free. A real peer sharing
 * the flooder's address resets next to nothing, so it meets no more of this
 * rule than of the other.
 */
export const repeatOffenderRule: ResetRule = { minStreams: 10, maxResetRatio: 0.5 };

/**
 * Peers (by address) whose sessions the rule closed, each remembered for
 * `forMs`, at most `capacity` of them (the oldest forgotten first): memory
 * a flood of addresses cannot grow.
 */
export class RecentOffenders {
  readonly #at = new Map<string, number>();

  constructor(readonly forMs = 60_000, readonly capacity = 1024, private readonly now: () => number = () => performance.now()) {}

  add(peer: string): void {
    this.#at.delete(peer); // re-inserted last: the Map's order is oldest first
    this.#at.set(peer, this.now());
    while (this.#at.size > this.capacity) this.#at.delete(this.#at.keys().next().value!);
  }

  has(peer: string): boolean {
    const at = this.#at.get(peer);
    if (at === undefined) return false;
    if (this.now() - at <= this.forMs) return true;
    this.#at.delete(peer);
    return false;
  }

  /** The rule a new session of `peer` is judged by. */
  ruleFor(peer: string): ResetRule {
    return this.has(peer) ? repeatOffenderRule : defaultResetRule;
  }
}

/** Whether a session that opened `opened` streams, `resets` of them reset by the peer before an answer, must be closed. */
export function resetsTooMany(opened: number, resets: number, rule: ResetRule = defaultResetRule): boolean {
  return opened >= rule.minStreams && resets > opened * rule.maxResetRatio;
}

/**
 * A session whose streams wait a moment before their dial (dial-gate.ts):
 * more than a tenth of what it opened reset before an answer. Far below the
 * rule's ratio, so a flood is slowed from its first read on; far above what
 * a healthy peer's timeouts reset.
 */
export function resetsSuspect(opened: number, resets: number): boolean {
  return resets > 0 && resets * 10 > opened;
}
