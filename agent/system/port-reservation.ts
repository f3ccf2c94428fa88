/**
 * Every port the agent serves on, bound before anything on the node is
 * touched (pins, maps, the proxy address, attachments): a start either holds
 * them all or fails having changed nothing. A listener takes its reserved
 * socket over with `server.listen(reserved)`, Node's documented way to
 * listen on an existing server's handle; connections that arrive in between
 * wait in the kernel's backlog.
 */
import { createServer, type Server } from 'node:net';
import { PortInUseError } from './system-errors.js';
import { portHolder } from './port-holder.js';

export interface PortSpec {
  /** the listener that takes it: outbound, inbound, metrics, admin */
  name: string;
  /** what the port is for, in the error an operator reads */
  purpose: string;
  host: string;
  port: number;
  backlog?: number;
}

export class PortReservation {
  readonly #servers = new Map<string, Server>();

  private constructor() {}

  static async bind(specs: PortSpec[]): Promise<PortReservation> {
    const reservation = new PortReservation();
    try {
      for (const spec of specs) reservation.#servers.set(spec.name, await listen(spec));
    } catch (error) {
      reservation.release();
      throw error;
    }
    return reservation;
  }

  /** The reserved socket of a listener, for `listenOn`; each is taken once. */
  take(name: string): Server | undefined {
    const server = this.#servers.get(name);
    this.#servers.delete(name);
    return server;
  }

  /**
   * A reserved socket, left reserved: something may answer on it for a while (the agent waiting
   * for its first config, agent/admin/waiting-endpoints.ts) before its listener takes it.
   */
  peek(name: string): Server | undefined {
    return this.#servers.get(name);
  }

  /** Closes what no listener took (a start that failed half way). */
  release(): void {
    for (const server of this.#servers.values()) server.close();
    this.#servers.clear();
  }
}

function listen(spec: PortSpec): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(spec.port, spec.purpose, portHolder(spec.port)) : error);
    });
    // exclusive: a port another process of this node holds is never shared through a cluster-style handle
    server.listen({ host: spec.host, port: spec.port, backlog: spec.backlog ?? 511, exclusive: true }, () => resolve(server));
  });
}

/**
 * Starts a listener on its reserved socket when it has one, else binds
 * `address` itself (the proxy's own tests, which run no agent). Listener
 * errors after the start are the caller's to log.
 */
export function listenOn(server: Server, reserved: Server | undefined, address: { host: string; port: number; backlog?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      server.off('error', reject);
      resolve();
    };
    if (reserved) server.listen(reserved, address.backlog ?? 511, listening);
    else server.listen({ host: address.host, port: address.port, backlog: address.backlog ?? 511 }, listening);
  });
}
