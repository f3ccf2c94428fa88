/**
 * How many dials to local pods the inbound listener has in flight for one
 * tunnel session and for one peer node, with a bounded queue for the rest.
 *
 * Why: each CONNECT stream costs the destination pod a TCP connection, and a
 * peer can open streams far faster than a pod accepts connections (HTTP/2
 * rapid reset, CVE-2023-44487, turned into a connection storm on the pod).
 * With a cap, a flood waits in a queue where a stream the peer resets is
 * dropped before it is ever dialled, and the pod never sees more than the
 * cap's worth of half-made connections from one peer. A session's own queue
 * is already bounded by its MAX_CONCURRENT_STREAMS (a waiting stream is an
 * open stream); the per-peer bound is what stops many sessions of one peer
 * from queueing without end. Waiters are served in arrival order per peer,
 * skipping any whose own session is at its cap, so one busy session cannot
 * hold back the peer's others.
 */
import { constants } from 'node:http2';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { abortable } from './ping-barrier.js';
import { DialSessionClosedError, InboundRefusedError } from './tunnel-errors.js';

export interface DialLimits {
  /** dials in flight for one tunnel session */
  perSession: number;
  /** dials in flight for all sessions of one peer node (by its address) */
  perPeer: number;
  /** streams of one peer waiting for a dial slot; one more is refused */
  queuePerPeer: number;
  /** dials a session must have made before its streams stop waiting for a PING round trip (see DialSession) */
  provenAfterDials: number;
}

/**
 * A pooled session of a busy peer opens up to its MAX_CONCURRENT_STREAMS (100)
 * streams at once; a dial to a local pod takes well under a millisecond when
 * the pod is healthy, so 32 in flight per session adds no queueing there and
 * caps what a slow or flooded pod is asked to take. A peer node has one pooled
 * session per (source, destination) identity pair: 128 in flight covers a
 * few busy ones. 1024 waiting is ten sessions' worth of full stream windows.
 */
export const defaultDialLimits: DialLimits = {
  perSession: 32,
  perPeer: 128,
  queuePerPeer: 1024,
  provenAfterDials: 4,
};

/** Gives back a dial slot; calling it again does nothing. */
export type ReleaseDial = () => void;

/** A full queue: the stream is refused with RST_STREAM(REFUSED_STREAM), which tells the peer it was not
 * processed and may be retried, rather than a status that would read as the pod's failure. */
function queueFull(peer: string, waiting: number): InboundRefusedError {
  return new InboundRefusedError('tunnel_dial_queue_full', 503, `${waiting} streams of peer ${peer} already wait for a dial slot`, {
    resetCode: constants.NGHTTP2_REFUSED_STREAM,
  });
}

interface Waiter {
  session: SessionSlots;
  grant(): void;
  refuse(reason: Error): void;
}

interface PeerSlots {
  key: string;
  inFlight: number;
  queue: Waiter[];
  sessions: number;
}

interface SessionSlots {
  peer: PeerSlots;
  inFlight: number;
}

export class DialGate {
  readonly #peers = new Map<string, PeerSlots>();

  constructor(readonly limits: DialLimits = defaultDialLimits) {}

  /** The gate as one tunnel session of `peer` uses it; close() it when the session closes.
   * `suspect` says whether the session has reset enough of its streams to make its streams wait,
   * `barrier` is how they wait (a PING round trip on the session); without one they never do. */
  session(peer: string, suspect: () => boolean = () => false, barrier?: () => Promise<void>): DialSession {
    let slots = this.#peers.get(peer);
    if (!slots) {
      slots = { key: peer, inFlight: 0, queue: [], sessions: 0 };
      this.#peers.set(peer, slots);
    }
    slots.sessions++;
    return new DialSession(this, { peer: slots, inFlight: 0 }, suspect, barrier);
  }

  /** For tests and status: dials in flight and streams waiting, for one peer. */
  peer(peer: string): { inFlight: number; waiting: number } | undefined {
    const slots = this.#peers.get(peer);
    return slots && { inFlight: slots.inFlight, waiting: slots.queue.length };
  }

  /** @internal */
  acquire(session: SessionSlots, signal: AbortSignal): Promise<ReleaseDial> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const { peer } = session;
    if (this.#room(session)) return Promise.resolve(this.#take(session));
    if (peer.queue.length >= this.limits.queuePerPeer) return Promise.reject(queueFull(peer.key, peer.queue.length));
    return new Promise<ReleaseDial>((resolve, reject) => {
      const onAbort = () => {
        const at = peer.queue.indexOf(waiter);
        if (at >= 0) peer.queue.splice(at, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        session,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.#take(session));
        },
        refuse: (reason) => {
          signal.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      peer.queue.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** @internal Its waiters are rejected with `reason`; its dials in flight keep their slots until they end. */
  closeSession(session: SessionSlots, reason: Error): void {
    const { peer } = session;
    peer.sessions--;
    for (const waiter of peer.queue.filter((w) => w.session === session)) waiter.refuse(reason);
    peer.queue = peer.queue.filter((w) => w.session !== session);
    this.#pump(peer);
    this.#forget(peer);
  }

  #room(session: SessionSlots): boolean {
    return session.inFlight < this.limits.perSession && session.peer.inFlight < this.limits.perPeer;
  }

  #take(session: SessionSlots): ReleaseDial {
    session.inFlight++;
    session.peer.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      session.inFlight--;
      session.peer.inFlight--;
      this.#pump(session.peer);
      this.#forget(session.peer);
    };
  }

  #pump(peer: PeerSlots): void {
    for (let i = 0; i < peer.queue.length && peer.inFlight < this.limits.perPeer; ) {
      const waiter = peer.queue[i]!;
      if (waiter.session.inFlight >= this.limits.perSession) {
        i++;
        continue;
      }
      peer.queue.splice(i, 1);
      waiter.grant();
    }
  }

  #forget(peer: PeerSlots): void {
    if (peer.sessions === 0 && peer.inFlight === 0 && peer.queue.length === 0 && this.#peers.get(peer.key) === peer) this.#peers.delete(peer.key);
  }
}

/**
 * One tunnel session's use of the gate.
 *
 * The streams of a suspect session (one that resets its streams, as a
 * flooder does) and of a session not yet proven (fewer than
 * `provenAfterDials` dials made) wait for a PING round trip (ping-barrier.ts)
 * and a turn before they ask for a slot. Why: the check a turn after the
 * HEADERS (connect-pod.ts) sees every RST_STREAM read with them, but a
 * flooder's RST_STREAM can trail its HEADERS into a later read, and a dial,
 * once its SYN is out, reaches the pod whatever we abort. A fresh session has
 * no history to be suspect by, so its first few streams wait the round trip
 * too; a pooled session lives for hours, and once proven, a session that
 * resets nothing never waits.
 */
export class DialSession {
  #closed = false;
  #dials = 0;

  constructor(
    private readonly gate: DialGate,
    private readonly slots: SessionSlots,
    private readonly suspect: () => boolean,
    private readonly barrier: (() => Promise<void>) | undefined,
  ) {}

  /** Resolves with a slot once both caps allow; rejects with the signal's reason if it aborts first
   * (the waiter is gone from the queue then), with DialSessionClosedError once the session is closed,
   * or an InboundRefusedError (tunnel_dial_queue_full) at once if the peer's queue is full. */
  async acquire(signal: AbortSignal): Promise<ReleaseDial> {
    if (this.barrier && (this.suspect() || this.#dials < this.gate.limits.provenAfterDials)) {
      await abortable(this.barrier(), signal);
      // The PING ACK and a reset behind it may come in one read: a turn later it has been processed.
      await nextTurn(undefined, { signal });
    }
    if (this.#closed) throw new DialSessionClosedError();
    const release = await this.gate.acquire(this.slots, signal);
    this.#dials++;
    return release;
  }

  get inFlight(): number {
    return this.slots.inFlight;
  }

  /** No more dials for this session: its waiting streams are refused (DialSessionClosedError). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.gate.closeSession(this.slots, new DialSessionClosedError());
  }
}
