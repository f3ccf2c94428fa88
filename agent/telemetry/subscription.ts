/** Subscribing one proxy's handlers to the channels of events.ts, and undoing it. */
import type { Channel, TelemetryScope } from './events.js';

export type Unsubscribe = () => void;

/** `handle` sees only the messages of `scope`. */
export function on<M extends { scope: TelemetryScope }>(channel: Channel<M>, scope: TelemetryScope, handle: (message: M) => void): Unsubscribe {
  const listener = (message: M) => {
    if (message.scope === scope) handle(message);
  };
  channel.subscribe(listener);
  return () => void channel.unsubscribe(listener);
}

export function all(subscriptions: Unsubscribe[]): Unsubscribe {
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}
