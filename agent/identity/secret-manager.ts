/**
 * The identity manager: the agent's CertificateProvider. For each local
 * identity it holds a key (generated here, never sent) and a certificate
 * from the control plane's CA, and keeps the pair fresh:
 *
 * - on demand: credential() returns the cached certificate while it is
 *   valid; otherwise it fetches one, and concurrent callers for the same
 *   identity share that one fetch;
 * - ahead of demand: retain() (called with every config) prefetches the
 *   identities of local meshed workloads and drops the others;
 * - renewal at half the remaining lifetime (jittered a little earlier, so
 *   a node's certificates do not all renew in the same instant), with a new
 *   key each time;
 * - a failed fetch is retried a few times with jittered backoff, then in the
 *   background (capped backoff) while the identity is wanted or its current
 *   certificate still has time left;
 * - fail closed: nothing within `minRemainingMs` of expiry is ever handed
 *   out; credential() rejects with NoCredentialError instead.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../core/log.js';
import { Backoff, type BackoffOptions } from '../../core/backoff.js';
import type { CertificateIssuer, TrustBundle } from './ca-client.js';
import { type CertificateProvider, type Credential, spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import { NoCredentialError } from './identity-errors.js';
import { parsePemCertificates, verifyIssuedChain } from './verify-chain.js';
import { newWorkloadKey } from '../../core/workload-key.js';
import type { x509 } from '../../core/x509.js';

export type IdentityState = 'pending' | 'valid' | 'renewing' | 'failed';

/** One identity as `weft status` shows it. */
export interface IdentityStatus {
  identity: string;
  state: IdentityState;
  notAfter?: string;
  renewAt?: string;
  lastError?: string;
  lastErrorAt?: string;
}

export interface SecretManagerOptions {
  issuer: CertificateIssuer;
  /** From GetTrustBundle; CreateCertificate answers keep it current. */
  trustBundle: TrustBundle;
  log: Logger;
  /** Where weft_certificate_expiry_seconds reads from (agent/metrics.ts). */
  metrics?: { bindCertificateExpiry(source: () => Iterable<[string, Date]>): void };
  /** Renew when this fraction of the remaining lifetime has passed (default 0.5)... */
  renewAtFraction?: number;
  /** ...less up to this fraction, at random (default 0.1). */
  renewJitter?: number;
  /** Tries per fetch (default 4). */
  attempts?: number;
  /** Delays between the tries of one fetch (default 200 ms doubling to 2 s, full jitter). */
  retry?: BackoffOptions;
  /** Delays before a background fetch after one gave up (default 1 s doubling to 30 s, full jitter). */
  background?: BackoffOptions;
  /** A certificate with less than this left is treated as expired (default 1 s). */
  minRemainingMs?: number;
  random?: () => number;
}

interface Entry {
  identity: WorkloadIdentity;
  id: string;
  credential?: Credential;
  renewAt?: Date;
  lastError?: string;
  lastErrorAt?: Date;
  inflight?: Promise<Credential>;
  timer?: NodeJS.Timeout;
  /** A background retry is scheduled after a fetch gave up. */
  retrying: boolean;
  background: Backoff;
  /** In the prefetch set of the last retain(). */
  wanted: boolean;
  dropped: boolean;
}

/** Errors a retry will not fix: the CA refused this node this identity, or the request itself. */
function permanent(error: unknown): boolean {
  const code = (error as { grpcCode?: number })?.grpcCode;
  return code === grpc.status.PERMISSION_DENIED || code === grpc.status.INVALID_ARGUMENT || code === grpc.status.UNAUTHENTICATED;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class SecretManager implements CertificateProvider {
  readonly trustDomain: string;
  readonly #options: SecretManagerOptions;
  readonly #log: Logger;
  readonly #entries = new Map<string, Entry>();
  readonly #abort = new AbortController();
  readonly #random: () => number;
  readonly #minRemainingMs: number;
  #bundlePem: string;
  #roots: x509.X509Certificate[];
  #closed = false;

  constructor(options: SecretManagerOptions) {
    this.#options = options;
    this.#log = options.log;
    this.trustDomain = options.trustBundle.trustDomain;
    this.#bundlePem = options.trustBundle.trustBundlePem;
    this.#roots = parsePemCertificates(this.#bundlePem);
    this.#random = options.random ?? Math.random;
    this.#minRemainingMs = options.minRemainingMs ?? 1_000;
    options.metrics?.bindCertificateExpiry(() => this.#expiries());
  }

  trustBundlePem(): string {
    return this.#bundlePem;
  }

  credential(identity: WorkloadIdentity): Promise<Credential> {
    const id = spiffeId(identity);
    if (this.#closed) return Promise.reject(new NoCredentialError(id, 'the identity manager is closed'));
    if (identity.trustDomain !== this.trustDomain) {
      return Promise.reject(new NoCredentialError(id, `${id} is not in this mesh's trust domain ${this.trustDomain}`));
    }
    const entry = this.#entry(identity);
    const usable = this.#usable(entry);
    return usable ? Promise.resolve(usable) : this.#fetch(entry);
  }

  /**
   * The identities this node needs now (its local meshed workloads'):
   * each is fetched ahead of its first connection; any other is dropped.
   */
  retain(identities: Iterable<WorkloadIdentity>): void {
    if (this.#closed) return;
    const wanted = new Map<string, WorkloadIdentity>();
    for (const identity of identities) if (identity.trustDomain === this.trustDomain) wanted.set(spiffeId(identity), identity);
    for (const entry of [...this.#entries.values()]) {
      if (!wanted.has(entry.id)) this.#drop(entry);
    }
    for (const identity of wanted.values()) {
      const entry = this.#entry(identity);
      entry.wanted = true;
      if (!this.#usable(entry) && !entry.inflight && !entry.retrying) this.#fetch(entry).catch(() => {});
    }
  }

  status(): IdentityStatus[] {
    return [...this.#entries.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((entry) => ({
        identity: entry.id,
        state: this.#stateOf(entry),
        ...(entry.credential ? { notAfter: entry.credential.notAfter.toISOString() } : {}),
        ...(entry.renewAt && this.#usable(entry) ? { renewAt: entry.renewAt.toISOString() } : {}),
        ...(entry.lastError ? { lastError: entry.lastError, lastErrorAt: entry.lastErrorAt?.toISOString() } : {}),
      }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
  }

  #entry(identity: WorkloadIdentity): Entry {
    const id = spiffeId(identity);
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = { identity, id, retrying: false, background: new Backoff({ baseMs: 1_000, capMs: 30_000, ...this.#options.background }), wanted: false, dropped: false };
      this.#entries.set(id, entry);
    }
    return entry;
  }

  #drop(entry: Entry): void {
    entry.dropped = true;
    clearTimeout(entry.timer);
    this.#entries.delete(entry.id);
    this.#log.info({ identity: entry.id }, 'identity no longer needed on this node; certificate dropped');
  }

  #usable(entry: Entry): Credential | undefined {
    const credential = entry.credential;
    return credential && credential.notAfter.getTime() - Date.now() > this.#minRemainingMs ? credential : undefined;
  }

  #stateOf(entry: Entry): IdentityState {
    if (this.#usable(entry)) return entry.inflight || entry.retrying ? 'renewing' : 'valid';
    return entry.credential || entry.lastError ? 'failed' : 'pending';
  }

  #expiries(): Array<[string, Date]> {
    return [...this.#entries.values()].flatMap((entry) => (entry.credential ? [[entry.id, entry.credential.notAfter] as [string, Date]] : []));
  }

  /** One fetch per identity at a time; every caller meanwhile gets the same promise. */
  #fetch(entry: Entry): Promise<Credential> {
    if (entry.inflight) return entry.inflight;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.inflight = this.#attempts(entry).finally(() => {
      entry.inflight = undefined;
    });
    return entry.inflight;
  }

  async #attempts(entry: Entry): Promise<Credential> {
    const attempts = this.#options.attempts ?? 4;
    const backoff = new Backoff({ baseMs: 200, capMs: 2_000, random: this.#random, ...this.#options.retry });
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(backoff.next(), undefined, { signal: this.#abort.signal }).catch(() => {});
      if (this.#closed || entry.dropped) {
        last = new Error(this.#closed ? 'the identity manager is closed' : 'the identity is no longer needed on this node');
        break;
      }
      try {
        const credential = await this.#issue(entry.identity);
        if (this.#closed || entry.dropped) {
          last = new Error('the identity is no longer needed on this node');
          break;
        }
        this.#install(entry, credential);
        return credential;
      } catch (error) {
        last = error;
        entry.lastError = messageOf(error);
        entry.lastErrorAt = new Date();
        this.#log.warn({ identity: entry.id, attempt, of: attempts, err: error }, 'certificate request failed');
        if (permanent(error)) break;
      }
    }
    this.#gaveUp(entry, last);
    throw new NoCredentialError(entry.id, `no valid certificate for ${entry.id}: ${messageOf(last)}`, { cause: last });
  }

  async #issue(identity: WorkloadIdentity): Promise<Credential> {
    const id = spiffeId(identity);
    const key = await newWorkloadKey(id);
    const issued = await this.#options.issuer.createCertificate(key.csrPem, identity);
    if (issued.trustBundlePem && issued.trustBundlePem !== this.#bundlePem) {
      this.#roots = parsePemCertificates(issued.trustBundlePem);
      this.#bundlePem = issued.trustBundlePem;
      this.#log.info({ roots: this.#roots.map((root) => root.subject) }, 'trust bundle updated from the CA');
    }
    const leaf = await verifyIssuedChain(issued.certChainPem, { spiffeId: id, spki: key.spki, roots: this.#roots });
    return {
      identity,
      certChainPem: issued.certChainPem.map((pem) => `${pem.trim()}\n`).join(''),
      keyPem: key.keyPem,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
    };
  }

  #install(entry: Entry, credential: Credential): void {
    const renewed = entry.credential !== undefined;
    entry.credential = credential;
    entry.retrying = false;
    entry.background.reset();
    const now = Date.now();
    const remaining = credential.notAfter.getTime() - now;
    const fraction = (this.#options.renewAtFraction ?? 0.5) - this.#random() * (this.#options.renewJitter ?? 0.1);
    entry.renewAt = new Date(now + remaining * fraction);
    this.#schedule(entry, remaining * fraction);
    this.#log.info(
      { identity: entry.id, notAfter: credential.notAfter.toISOString(), renewAt: entry.renewAt.toISOString() },
      renewed ? 'certificate renewed' : 'certificate issued',
    );
  }

  #gaveUp(entry: Entry, error: unknown): void {
    if (this.#closed || entry.dropped) return;
    const usable = this.#usable(entry);
    // Keep trying while the identity is wanted, or while the certificate held still needs renewing before it expires.
    if (entry.wanted || usable) {
      let delayMs = entry.background.next();
      if (usable) delayMs = Math.min(delayMs, Math.max(0, (usable.notAfter.getTime() - Date.now() - this.#minRemainingMs) / 2));
      entry.retrying = true;
      this.#schedule(entry, delayMs);
      this.#log[usable ? 'warn' : 'error'](
        { identity: entry.id, retryInMs: Math.round(delayMs), notAfter: usable?.notAfter.toISOString(), err: error },
        usable ? 'certificate renewal failed; the current certificate stays in use until it expires' : 'no certificate for this identity; connections that need it are refused',
      );
    } else {
      entry.retrying = false;
      this.#log.error({ identity: entry.id, err: error }, 'no certificate for this identity');
    }
  }

  #schedule(entry: Entry, delayMs: number): void {
    clearTimeout(entry.timer);
    if (this.#closed || entry.dropped) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (this.#closed || entry.dropped) return;
      this.#fetch(entry).catch(() => {});
    }, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    entry.timer.unref();
  }
}
