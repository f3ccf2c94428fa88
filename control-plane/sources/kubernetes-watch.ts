/**
 * client-node's Watch, as one informer's ListWatch uses it, with what
 * client-node 1.4 does not do (checked against its source and the
 * stand-in's wire format):
 *
 *  - ListWatch asks only for `resourceVersion`: here every watch also asks
 *    for bookmarks (so a quiet resource's resourceVersion keeps up, and a
 *    resumed watch does not start from a compacted one) and for a
 *    server-side `timeoutSeconds`.
 *  - Watch has no deadline (its 30 s timeout signal is overwritten before
 *    use), so a connection that dies without a FIN would hang: a watch still
 *    open 30 s after its timeoutSeconds is ended here, as a failure.
 *  - An ERROR event ends the watch here, with the Status as the error. Left
 *    to ListWatch, a 410 is noted but waits for the server to close the
 *    stream, and any other code is dropped and the watch resumed at once
 *    from the same resourceVersion: the failure unseen, and retried without
 *    pause for as long as the server keeps failing. A 410 (event or HTTP status) reaches ListWatch as an error with
 *    `statusCode: 410`, on which it relists; others reach its error
 *    callbacks, and the informer retries after a backoff.
 *  - A watch that ends cleanly at once with nothing in it (and a 410 right
 *    after a relist) is reported to ListWatch only after a delay the
 *    informer picks, so a server that closes every watch is not hammered.
 *  - Stopping aborts the request, on which Watch calls done(AbortError) and
 *    ListWatch would report that as a failure: after an abort nothing is
 *    reported. And ListWatch starts a watch after its list even when stop()
 *    came while the list was in flight: once stopped, no watch starts.
 *
 * The HTTP request and the parsing of the event stream stay client-node's.
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { KubernetesApiError } from './kubernetes-errors.js';

/** How one watch ended. */
export type WatchEnd =
  | { kind: 'closed'; events: number; ms: number }
  | { kind: 'expired'; events: number; ms: number; error: KubernetesApiError }
  | { kind: 'failed'; events: number; ms: number; error: Error };

export interface InformerWatchOptions {
  /** The informer's: once aborted, no watch starts, and the open one ends without a report. */
  signal: AbortSignal;
  /** `timeoutSeconds` for the next watch. */
  timeoutSeconds: () => number;
  onStart: () => void;
  /** How a watch ended; returns how long to wait before telling ListWatch, which then watches again or relists. */
  onEnd: (end: WatchEnd) => number;
  /** How long past its timeoutSeconds a watch may stay open before it is taken for a dead connection (default 30 s). */
  deadlineSlackMs?: number;
}

/** Watch's own callback signature. */
type EventCallback = (phase: string, apiObj: any, watchObj?: any) => void;

function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** Watch's HTTP failures are Error(statusText) with a statusCode, the Status body unread: made a KubernetesApiError with what there is. */
function asError(error: unknown): Error {
  if (error instanceof KubernetesApiError) return error;
  const statusCode = statusCodeOf(error);
  if (statusCode !== undefined) {
    return new KubernetesApiError(statusCode, (error as Error).message || 'Unknown', 'the watch request was refused (client-node does not read the Status body of a watch)');
  }
  return error instanceof Error ? error : new Error(String(error));
}

export class InformerWatch extends Watch {
  readonly #options: InformerWatchOptions;

  constructor(config: KubeConfig, options: InformerWatchOptions) {
    super(config);
    this.#options = options;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: EventCallback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const { signal, onStart, onEnd } = this.#options;
    const outer = new AbortController(); // what ListWatch holds, and aborts to stop this watch
    if (signal.aborted) {
      outer.abort();
      return outer;
    }
    onStart();
    const timeoutSeconds = this.#options.timeoutSeconds();
    const started = Date.now();
    let events = 0;
    let finished = false;
    let inner: AbortController | undefined;
    let reportTimer: NodeJS.Timeout | undefined;

    const abandon = () => {
      finished = true;
      clearTimeout(deadline);
      clearTimeout(reportTimer);
      signal.removeEventListener('abort', abandon);
      inner?.abort();
    };
    const finish = (error: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      inner?.abort();
      const ms = Date.now() - started;
      let end: WatchEnd;
      if (error === null || error === undefined) end = { kind: 'closed', events, ms };
      else if (statusCodeOf(error) === 410) end = { kind: 'expired', events, ms, error: asError(error) as KubernetesApiError };
      else end = { kind: 'failed', events, ms, error: asError(error) };
      const delay = onEnd(end);
      const report = () => {
        signal.removeEventListener('abort', abandon);
        if (!outer.signal.aborted && !signal.aborted) done(end.kind === 'closed' ? null : end.error);
      };
      if (delay > 0) reportTimer = setTimeout(report, delay);
      else report();
    };
    const slackMs = this.#options.deadlineSlackMs ?? 30_000;
    const deadline = setTimeout(
      () => finish(new Error(`watch ${path}: still open ${slackMs} ms after its timeoutSeconds (${timeoutSeconds}); taken for a dead connection`)),
      timeoutSeconds * 1000 + slackMs,
    );
    outer.signal.addEventListener('abort', abandon, { once: true });
    signal.addEventListener('abort', abandon, { once: true });

    const onEvent: EventCallback = (phase, object, raw) => {
      if (finished) return; // lines still buffered after an abort
      if (phase === 'ERROR') {
        // The object is a v1 Status; its code, not the HTTP status (200), says what went wrong.
        finish(KubernetesApiError.fromStatus(500, object));
        return;
      }
      events++;
      callback(phase, object, raw);
    };
    try {
      inner = await super.watch(path, { ...queryParams, allowWatchBookmarks: true, timeoutSeconds }, onEvent, finish);
    } catch (error) {
      finish(error); // Watch reports request failures through done; it throws only before it sends one (no cluster)
      return outer;
    }
    if (finished) inner.abort(); // stopped, or timed out, while connecting
    return outer;
  }
}
