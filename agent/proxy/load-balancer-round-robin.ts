/** Round robin per service port. Cursors are keyed by the config object of
 * the port, so they go with the config that held them. */
export class RoundRobin {
  readonly #cursors = new WeakMap<object, number>();

  /** Endpoints in the order to try them: the next one first, then the rest. */
  order<T>(key: object, endpoints: readonly T[]): T[] {
    if (endpoints.length === 0) return [];
    const start = (this.#cursors.get(key) ?? 0) % endpoints.length;
    this.#cursors.set(key, start + 1);
    return [...endpoints.slice(start), ...endpoints.slice(0, start)];
  }
}
