/**
 * The end of both stacks: copy both ways (copy-duplex.ts, byte for byte;
 * the HTTP observer, if any, only reads), with the connection's open and
 * close published around the copy. Nothing here runs per chunk.
 */
import { copyDuplex } from '../proxy/copy-duplex.js';
import { channels } from '../telemetry/events.js';
import type { Connection } from './connection.js';
import { filled, type Handler } from './stack.js';

export const forward: Handler<Connection> = async (connection) => {
  const { scope } = connection;
  if (channels.connectionOpen.hasSubscribers) channels.connectionOpen.publish({ scope, connection });
  const tap = connection.direction === 'outbound' ? connection.protocol : undefined;
  connection.result = await copyDuplex(connection.downstream, filled(connection.upstream, 'upstream'), tap);
  if (channels.connectionClose.hasSubscribers) channels.connectionClose.publish({ scope, connection });
};
