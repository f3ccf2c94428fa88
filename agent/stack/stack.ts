/**
 * A connection's path as a list of layers (linkerd2-proxy's stacks, undici's
 * interceptors): each layer reads what the layers before it filled in, fills
 * one field of the connection and hands it on. Adding a concern (authorization,
 * retries) is one file and one line in a listener's list.
 */

export type Handler<C> = (connection: C) => Promise<void>;
export type Layer<C> = (next: Handler<C>) => Handler<C>;

/** The layers in the order a connection meets them, around the handler that ends the path. */
export function buildStack<C>(layers: readonly Layer<C>[], end: Handler<C>): Handler<C> {
  return layers.reduceRight<Handler<C>>((next, layer) => layer(next), end);
}

/** A field an earlier layer fills; missing means the list is out of order, a bug rather than a refusal. */
export function filled<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new Error(`proxy stack: '${field}' is read before a layer filled it`);
  return value;
}
