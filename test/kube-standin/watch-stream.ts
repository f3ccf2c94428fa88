/**
 * One watch request, served as the API server serves it: a 200 response
 * whose body is newline-delimited JSON events, `{"type":..,"object":..}`.
 * It starts with the events after the requested resourceVersion (or, for
 * none or "0", a synthetic ADDED per existing object), then follows the
 * store live. A resourceVersion older than the store's history gets one
 * ERROR event carrying a 410 Status, and the stream ends.
 */
import type { ServerResponse } from 'node:http';
import type { KubeObject } from './kube-object.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import { apiVersionOf, type ResourceType } from './resource-types.js';
import { type KubeStatus, status } from './status.js';

export interface WatchParams {
  type: ResourceType;
  namespace?: string;
  /** undefined or '0': start from the current state. */
  resourceVersion: number | undefined;
  allowBookmarks: boolean;
  /** The server closes the watch after this long, as `timeoutSeconds` asks. */
  timeoutSeconds?: number;
}

type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject } | { type: 'BOOKMARK' | 'ERROR'; object: unknown };

export class WatchStream {
  #unsubscribe: (() => void) | undefined;
  #timeout: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly store: ObjectStore,
    readonly params: WatchParams,
    private readonly response: ServerResponse,
    private readonly onClose: (stream: WatchStream) => void,
  ) {
    response.on('close', () => this.#cleanup());
  }

  start(): void {
    const { type, namespace, resourceVersion } = this.params;
    this.response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    // The API server flushes the head at once, so a client's watch is established before any event;
    // node:http would hold it back until the first write.
    this.response.flushHeaders();
    // Everything from here to subscribe() runs in one tick, so no event can fall between replay and live.
    if (resourceVersion === undefined) {
      for (const object of this.store.list(type, namespace)) this.#write({ type: 'ADDED', object });
    } else {
      const missed = this.store.eventsSince(resourceVersion, type, namespace);
      if (!missed) {
        this.#write({ type: 'ERROR', object: status.expired(resourceVersion, this.store.oldestWatchable) });
        this.end();
        return;
      }
      for (const event of missed) this.#send(event);
    }
    this.#unsubscribe = this.store.subscribe((event) => {
      if (event.resource === type && (namespace === undefined || event.namespace === namespace)) this.#send(event);
    });
    if (this.params.timeoutSeconds !== undefined) {
      this.#timeout = setTimeout(() => this.end(), this.params.timeoutSeconds * 1000);
    }
  }

  #send(event: StoreEvent): void {
    this.#write({ type: event.type, object: structuredClone(event.object) });
  }

  #write(event: WatchEvent): void {
    if (!this.#closed) this.response.write(`${JSON.stringify(event)}\n`);
  }

  /** A BOOKMARK at the store's current resourceVersion, if the client asked for bookmarks. */
  bookmark(): void {
    if (!this.params.allowBookmarks) return;
    const { type } = this.params;
    this.#write({
      type: 'BOOKMARK',
      object: { apiVersion: apiVersionOf(type), kind: type.kind, metadata: { resourceVersion: String(this.store.resourceVersion) } },
    });
  }

  /** An ERROR event carrying `failure`, then the end of the stream: how the server reports a failure after the watch began. */
  fail(failure: KubeStatus): void {
    this.#write({ type: 'ERROR', object: failure });
    this.end();
  }

  /** Ends the response cleanly, as the server does when a watch times out. */
  end(): void {
    if (this.#closed) return;
    this.response.end();
    this.#cleanup();
  }

  /** Cuts the connection without ending the response: what a client sees when the network or the server dies. */
  destroy(): void {
    this.response.socket?.destroy();
    this.#cleanup();
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    clearTimeout(this.#timeout);
    this.onClose(this);
  }
}
