/**
 * The two calls an informer makes, over node:http(s): a paginated list and
 * a watch streamed as newline-delimited JSON events. Every request has an
 * idle timeout, so a connection that dies without a FIN is noticed; a
 * watch's is longer than the server-side timeoutSeconds it asks for.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { readFileSync, statSync } from 'node:fs';
import type { ApiObject, ObjectList, WatchEvent } from './kubernetes-api-object.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import type { ApiServerConfig } from './kubernetes-kubeconfig.js';

export interface ListResult {
  resourceVersion: string;
  items: ApiObject[];
}

export interface WatchOptions {
  resourceVersion: string;
  /** Asked of the server: it ends the watch cleanly after this long. */
  timeoutSeconds: number;
  signal: AbortSignal;
}

export interface ApiClientOptions {
  /** Items per list page (`limit`); the server may ignore it and send everything. */
  pageSize?: number;
  /** A list (or a watch's connect) with no data this long fails. */
  requestTimeoutMs?: number;
}

/** A watch line longer than this is a broken stream, not an object. */
const maxLineBytes = 64 * 1024 * 1024;
/** A paginated list longer than this many pages is a server bug; stop rather than loop. */
const maxPages = 100_000;
/** client-go re-reads a token file about this often: kubelet rotates projected tokens well before they expire. */
const tokenRereadMs = 60_000;

export class KubeApiClient {
  readonly #config: ApiServerConfig;
  readonly #agent: http.Agent;
  readonly #pageSize: number;
  readonly #requestTimeoutMs: number;
  #token: { value: string; readAt: number; mtimeMs: number } | undefined;

  constructor(config: ApiServerConfig, options: ApiClientOptions = {}) {
    this.#config = config;
    this.#pageSize = options.pageSize ?? 500;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#agent =
      config.server.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ...(config.ca ? { ca: config.ca } : {}),
            ...(config.cert ? { cert: config.cert } : {}),
            ...(config.key ? { key: config.key } : {}),
            ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
            rejectUnauthorized: !config.insecureSkipTlsVerify,
          })
        : new http.Agent({ keepAlive: true });
  }

  get server(): string {
    return this.#config.server.href;
  }

  #authorization(): string | undefined {
    const { token, tokenFile, username, password } = this.#config;
    if (token) return `Bearer ${token}`;
    if (tokenFile) {
      const now = Date.now();
      if (!this.#token || now - this.#token.readAt > tokenRereadMs) {
        const mtimeMs = statSync(tokenFile).mtimeMs;
        const value = this.#token?.mtimeMs === mtimeMs ? this.#token.value : readFileSync(tokenFile, 'utf8').trim();
        this.#token = { value, readAt: now, mtimeMs };
      }
      return `Bearer ${this.#token.value}`;
    }
    if (username !== undefined) return `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    return undefined;
  }

  #url(path: string, query: Record<string, string>): URL {
    const url = new URL(this.#config.server.href);
    // A server URL may carry a path prefix (an API proxy); the resource path goes after it.
    url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url;
  }

  /** Sends a GET and resolves with the response head; the body is the caller's to read. */
  #get(path: string, query: Record<string, string>, signal: AbortSignal | undefined, idleMs: number): Promise<IncomingMessage> {
    const url = this.#url(path, query);
    const authorization = this.#authorization();
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.get(url, {
        agent: this.#agent,
        headers: { Accept: 'application/json', 'User-Agent': 'weft-control-plane', ...(authorization ? { Authorization: authorization } : {}) },
        ...(signal ? { signal } : {}),
      });
      request.setTimeout(idleMs, () => request.destroy(new Error(`no data from ${url.host} for ${idleMs} ms`)));
      request.once('response', resolve);
      request.on('error', reject); // `on`: an error after the response must not go unhandled
    });
  }

  async #json(response: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  /** Lists a collection page by page; the resourceVersion is the first page's, which every page is consistent with. */
  async list(path: string, signal?: AbortSignal): Promise<ListResult> {
    const items: ApiObject[] = [];
    let resourceVersion = '';
    let token = '';
    for (let page = 0; page < maxPages; page++) {
      const query: Record<string, string> = { limit: String(this.#pageSize), ...(token ? { continue: token } : {}) };
      const response = await this.#get(path, query, signal, this.#requestTimeoutMs);
      const body = await this.#json(response);
      if (response.statusCode !== 200) throw KubernetesApiError.fromStatus(response.statusCode ?? 0, body);
      const list = body as ObjectList & { metadata?: { continue?: string } };
      if (page === 0) resourceVersion = list.metadata?.resourceVersion ?? '';
      items.push(...(list.items ?? []));
      token = list.metadata?.continue ?? '';
      if (!token) return { resourceVersion, items };
    }
    throw new Error(`listing ${path} did not end after ${maxPages} pages`);
  }

  /**
   * Watches from `resourceVersion`, calling `onEvent` per event until the
   * server ends the stream (resolves) or the connection fails (rejects).
   * `onEvent` returning 'stop' ends the watch at once, and it resolves.
   */
  async watch(path: string, options: WatchOptions, onEvent: (event: WatchEvent) => 'stop' | void): Promise<void> {
    const query = {
      watch: 'true',
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(options.timeoutSeconds),
    };
    const response = await this.#get(path, query, options.signal, options.timeoutSeconds * 1000 + 30_000);
    if (response.statusCode !== 200) throw KubernetesApiError.fromStatus(response.statusCode ?? 0, await this.#json(response));
    response.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        if (error) reject(error);
        else resolve();
      };
      response.on('data', (chunk: string) => {
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline !== -1 && !settled) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (line === '') continue;
          let event: WatchEvent;
          try {
            event = JSON.parse(line) as WatchEvent;
          } catch {
            response.destroy();
            settle(new Error(`watch ${path}: a line is not JSON: ${line.slice(0, 100)}`));
            return;
          }
          let outcome: 'stop' | void;
          try {
            outcome = onEvent(event);
          } catch (error) {
            response.destroy();
            settle(error as Error);
            return;
          }
          if (outcome === 'stop') {
            response.destroy();
            settle();
            return;
          }
        }
        if (buffered.length > maxLineBytes) {
          response.destroy();
          settle(new Error(`watch ${path}: a line longer than ${maxLineBytes} bytes`));
        }
      });
      response.once('end', () => settle());
      response.on('error', (error) => settle(error));
      // 'close' without 'end': the connection was cut mid-stream.
      response.once('close', () => settle(new Error(`watch ${path}: connection closed mid-stream`)));
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
