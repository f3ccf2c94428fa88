/**
 * Bounds the label sets of a group of metric families that share labels
 * (the four istio_tcp_* counters; the four HTTP families). Workload labels
 * are owners, not pods, so a healthy mesh stays far below the cap; the cap
 * is for the unhealthy one (a label fed from something unbounded), where
 * Prometheus would otherwise pay for every new series forever. Past the cap
 * a new label set is folded into one series whose identity labels say
 * `overflow`, so totals stay right while the detail is lost, and the fold is
 * counted.
 */

export const overflowValue = 'overflow';

export class LabelSetCap<N extends string> {
  readonly #seen = new Set<string>();

  /**
   * @param names every label of the group
   * @param folded the labels that name who talked to whom; the others
   *   (reporter, response code, flags, ...) have few values and are kept
   */
  constructor(
    readonly limit: number,
    private readonly names: readonly N[],
    private readonly folded: readonly N[],
    private readonly onFold: () => void,
  ) {}

  get size(): number {
    return this.#seen.size;
  }

  /** The labels to record with: these, or their overflow fold once the cap is reached. */
  admit<L extends Record<N, string>>(labels: L): L {
    const key = this.names.map((name) => labels[name]).join('\u0000');
    if (this.#seen.has(key)) return labels;
    if (this.#seen.size < this.limit) {
      this.#seen.add(key);
      return labels;
    }
    this.onFold();
    const fold: L = { ...labels };
    for (const name of this.folded) (fold as Record<N, string>)[name] = overflowValue;
    return fold;
  }
}
