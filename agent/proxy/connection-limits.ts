/**
 * How many connections the proxy takes on, so that no pod can stop the
 * mesh of its whole node. The agent's descriptors are one budget: the
 * open-file limit less a reserve for what must keep working under a flood
 * (health and metrics on 15020, the control-plane channel, BPF maps, logs).
 * Each proxied connection takes its descriptors from the budget (two for an
 * outbound connection: the pod's side and the upstream), and one source (a
 * pod's IP) may hold at most `perSource` connections, so a flood from one pod
 * is refused long before the node's budget runs out for the others.
 */

import type { Socket } from 'node:net';

/** Labels of weft_connections_refused_total. */
export type LimitReason = 'pod_connection_limit' | 'node_connection_limit';

export interface ConnectionLimitsOptions {
  /** descriptors proxied connections may hold in all */
  descriptors: number;
  /** connections one source may hold at once */
  perSource: number;
}

export interface Admission {
  release(): void;
}

export interface ConnectionLimitsStatus extends ConnectionLimitsOptions {
  descriptorsInUse: number;
  /** the sources holding the most connections, most first */
  topSources: Array<{ source: string; connections: number }>;
}

/** Descriptors kept back from proxied connections whatever the limit. */
export const minimumReserve = 512;
/** The share of the limit kept back, when larger than the minimum. */
export const reserveShare = 0.05;
/** One source's share of the connections the budget allows. */
export const perSourceShare = 0.25;

/** The limits for an open-file limit: the reserve kept back, a quarter of the remaining connections per source. */
export function limitsForOpenFiles(openFiles: number, options: { perSource?: number } = {}): ConnectionLimitsOptions {
  const descriptors = Math.max(0, openFiles - Math.max(minimumReserve, Math.ceil(openFiles * reserveShare)));
  return { descriptors, perSource: options.perSource ?? Math.max(1, Math.floor((descriptors / 2) * perSourceShare)) };
}

export class ConnectionLimits {
  #inUse = 0;
  readonly #bySource = new Map<string, number>();

  constructor(readonly options: ConnectionLimitsOptions) {}

  /** Admits one connection from `source` costing `descriptors`, or says which limit refuses it. */
  admit(source: string, descriptors: number): Admission | LimitReason {
    const held = this.#bySource.get(source) ?? 0;
    if (held >= this.options.perSource) return 'pod_connection_limit';
    if (this.#inUse + descriptors > this.options.descriptors) return 'node_connection_limit';
    this.#inUse += descriptors;
    this.#bySource.set(source, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#inUse -= descriptors;
        const left = (this.#bySource.get(source) ?? 1) - 1;
        if (left === 0) this.#bySource.delete(source);
        else this.#bySource.set(source, left);
      },
    };
  }

  status(top = 5): ConnectionLimitsStatus {
    // Sorting every source is for `weft status`; a scrape of the totals asks for none.
    const topSources =
      top === 0
        ? []
        : [...this.#bySource]
            .sort((a, b) => b[1] - a[1])
            .slice(0, top)
            .map(([source, connections]) => ({ source, connections }));
    return { ...this.options, descriptorsInUse: this.#inUse, topSources };
  }
}

/**
 * A just-accepted socket through the limits: admitted (released when it
 * closes), or closed at once by `close` and the refusal returned, for the
 * listener to publish.
 */
export function admitSocket(
  limits: ConnectionLimits,
  socket: Socket,
  source: string,
  descriptors: number,
  close: (socket: Socket) => void,
): { reason: LimitReason; limit: number } | undefined {
  const admitted = limits.admit(source, descriptors);
  if (typeof admitted !== 'string') {
    socket.once('close', admitted.release);
    return undefined;
  }
  close(socket);
  return { reason: admitted, limit: admitted === 'pod_connection_limit' ? limits.options.perSource : limits.options.descriptors };
}
