/**
 * Graceful then forced shutdown, as ztunnel's drain: listeners stop
 * accepting at once, open connections get a grace period, then are reset.
 */
import type { Socket } from 'node:net';

export class Drain {
  readonly #controller = new AbortController();
  readonly #connections = new Set<Socket>();
  #idle: (() => void) | undefined;

  /** Aborted when draining starts: listeners close on it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

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
    for (const socket of this.#connections) socket.resetAndDestroy();
    return { forced };
  }
}
