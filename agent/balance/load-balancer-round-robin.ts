/** Round robin per service port, keyed by name so a config update (which
 * rebuilds every object) keeps the rotation; bounded by evicting the oldest. */
const maxCursors = 10_000;

export class RoundRobin {
  readonly #cursors = new Map<string, number>();

  /** Endpoints in the order to try them: the next one first, then the rest. */
  order<T>(key: string, endpoints: readonly T[]): T[] {
    if (endpoints.length === 0) return [];
    const start = (this.#cursors.get(key) ?? 0) % endpoints.length;
    this.#cursors.delete(key);
    this.#cursors.set(key, start + 1);
    if (this.#cursors.size > maxCursors) this.#cursors.delete(this.#cursors.keys().next().value!);
    return [...endpoints.slice(start), ...endpoints.slice(0, start)];
  }
}
