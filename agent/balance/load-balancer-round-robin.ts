/** Round robin per service port, keyed by name so a config update (which
 * rebuilds every object) keeps the rotation; bounded by evicting the oldest. */
const maxCursors = 10_000;

export class RoundRobin {
  readonly #cursors = new Map<string, number>();

  /** Endpoints in the order to try them: the next one first, then the rest. */
  order<T>(key: string, endpoints: readonly T[]): T[] {
    if (endpoints.length === 0) return [];
    const start = this.#advance(key, endpoints.length);
    return [...endpoints.slice(start), ...endpoints.slice(0, start)];
  }

  /** The next endpoint alone (a request tries one at a time, and asks again for the next). */
  next<T>(key: string, endpoints: readonly T[]): T | undefined {
    return endpoints.length === 0 ? undefined : endpoints[this.#advance(key, endpoints.length)];
  }

  #advance(key: string, length: number): number {
    const start = (this.#cursors.get(key) ?? 0) % length;
    this.#cursors.delete(key);
    this.#cursors.set(key, start + 1);
    if (this.#cursors.size > maxCursors) this.#cursors.delete(this.#cursors.keys().next().value!);
    return start;
  }
}
