/**
 * Graceful then forced shutdown, as ztunnel's drain: listeners stop
 * accepting at once, open connections get a grace period, then are ended.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export class Drain {
  readonly #controller = new AbortController();
  readonly #connections = new Set<Socket>();
  #idle: (() => void) | undefined;

  /** Aborted when draining starts: listeners close on it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Any socket the proxy holds: plain TCP (the pods' side) or TLS (tunnel sessions, whose HTTP/2 streams end with them). */
  track(socket: Socket): void {
    this.#connections.add(socket);
    socket.once('close', () => {
      this.#connections.delete(socket);
      if (this.#connections.size === 0) this.#idle?.();
    });
  }

  async drain(graceMs: number): Promise<{ forced: number }> {
    this.#controller.abort();
    if (this.#connections.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const forced = this.#connections.size;
    for (const socket of [...this.#connections]) forceClose(socket);
    return { forced };
  }
}

/**
 * A plain TCP socket is reset (RST), so its peer learns at once that the
 * connection is gone rather than seeing a clean end of stream. A TLS
 * socket's handle is a TLS wrap, which resetAndDestroy refuses
 * (ERR_INVALID_HANDLE_TYPE): it is destroyed, which closes the TCP
 * connection under it and every HTTP/2 stream it carries.
 */
export function forceClose(socket: Socket): void {
  if (socket instanceof TLSSocket || socket.destroyed) socket.destroy();
  else socket.resetAndDestroy();
}
