/**
 * Keeps a connection to a pod of this node in the re-check registry for as
 * long as its bytes are copied (authorized-connections.ts): a policy change
 * that denies it resets both ends.
 */
import type { AuthorizedConnections } from './authorized-connections.js';
import type { Connection } from './connection.js';
import type { Layer } from './stack.js';

export function trackAuthorized<C extends Connection>(inputs: { authorized?: AuthorizedConnections | undefined }): Layer<C> {
  return (next) => async (connection) => {
    const { authorization } = connection;
    if (!inputs.authorized || !authorization) return next(connection);
    const untrack = inputs.authorized.track({
      ...authorization,
      close: () => {
        connection.downstream.reset();
        connection.upstream?.reset();
      },
    });
    try {
      await next(connection);
    } finally {
      untrack();
    }
  };
}
