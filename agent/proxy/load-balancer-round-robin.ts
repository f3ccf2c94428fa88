/** Round robin per service port; the cursor set is bounded by the services that exist. */
export class RoundRobin {
  readonly #cursors = new Map<string, number>();

  /** Endpoints in the order to try them: the next one first, then the rest. */
  order<T>(key: string, endpoints: readonly T[]): T[] {
    if (endpoints.length === 0) return [];
    const start = (this.#cursors.get(key) ?? 0) % endpoints.length;
    this.#cursors.set(key, start + 1);
    return [...endpoints.slice(start), ...endpoints.slice(0, start)];
  }

  /** Forget services that are gone. */
  retain(keys: Set<string>): void {
    for (const key of this.#cursors.keys()) if (!keys.has(key)) this.#cursors.delete(key);
  }
}
