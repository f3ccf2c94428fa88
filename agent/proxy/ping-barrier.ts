/**
 * A PING round trip as a barrier: `wait()` resolves once the peer has
 * answered a PING that we sent after the call.
 *
 * Why: a rapid-reset flooder sends each stream's RST_STREAM right after its
 * HEADERS, but not always in the same write (Node's own client never does,
 * and a backlogged socket holds it back for as long as the backlog lasts),
 * so no wait measured in time is sure to see it. The peer answers our PING
 * only after it read it, which is after it sent the HEADERS and so after it
 * queued their RST_STREAM; TCP keeps the order, and by a turn after the
 * PING ACK the reset has been read. Streams that arrive while a PING is out
 * share the next one, so a session never has more than one outstanding
 * (Node refuses more than maxOutstandingPings).
 */
import type { Http2Session } from 'node:http2';

export class PingBarrier {
  #current: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(private readonly session: Http2Session, private readonly timeoutMs: number) {}

  wait(): Promise<void> {
    if (!this.#current) {
      this.#current = this.#ping().finally(() => {
        this.#current = undefined;
      });
      return this.#current;
    }
    // The PING out was sent before this call: its answer proves nothing about what came after it.
    this.#next ??= this.#current.then(
      () => this.#sendNext(),
      () => this.#sendNext(),
    );
    return this.#next;
  }

  #sendNext(): Promise<void> {
    this.#next = undefined;
    return this.wait();
  }

  #ping(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the peer did not answer a PING within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
      const done = (error: Error | null) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      try {
        if (!this.session.ping(done)) done(new Error('the session cannot send a PING'));
      } catch (error) {
        done(error as Error);
      }
    });
  }
}

/** `promise`, or the signal's reason as soon as it aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
