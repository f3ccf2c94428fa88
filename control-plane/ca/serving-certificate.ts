/**
 * The control plane's own TLS certificate, issued by the mesh CA for the
 * names agents dial (--server-name, and the listen address when it is a
 * specific IP), so an agent verifies it with nothing but the trust bundle.
 * It is kept fresh in memory: re-issued with a new key at half its lifetime
 * and handed to grpc-js through its certificate-provider interface, which
 * swaps the server's TLS context without a restart.
 */
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../core/log.js';
import type { CertificateAuthority, ServingNames } from './certificate-authority.js';
import { privateKeyToPem } from './pem.js';

type IdentityListener = Parameters<grpc.experimental.CertificateProvider['addIdentityCertificateListener']>[0];
type IdentityUpdate = Parameters<IdentityListener>[0];

export interface ServingCertificateOptions {
  log: Logger;
  /** Default 30 days; renewed at half of it. */
  ttlMs?: number;
  /** After a failed renewal (default 1 min). */
  retryMs?: number;
}

/** The SANs of the serving certificate: DNS names as given, plus the listen host when it is a specific IP. */
export function servingNames(serverNames: readonly string[], listen: string): ServingNames {
  const dns = serverNames.filter((name) => !isIP(name));
  const ips = serverNames.filter((name) => isIP(name));
  const host = listen.startsWith('unix:') ? '' : listen.slice(0, listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  if (isIP(host) && host !== '0.0.0.0' && host !== '::' && !ips.includes(host)) ips.push(host);
  return { dns, ips };
}

export class ServingCertificate implements grpc.experimental.CertificateProvider {
  readonly #ca: CertificateAuthority;
  readonly #names: ServingNames;
  readonly #log: Logger;
  readonly #ttlMs: number;
  readonly #retryMs: number;
  readonly #listeners = new Set<IdentityListener>();
  #current: IdentityUpdate = null;
  #notAfter: Date | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(ca: CertificateAuthority, names: ServingNames, options: ServingCertificateOptions) {
    this.#ca = ca;
    this.#names = names;
    this.#log = options.log;
    this.#ttlMs = options.ttlMs ?? 30 * 24 * 3_600_000;
    this.#retryMs = options.retryMs ?? 60_000;
  }

  get notAfter(): Date | undefined {
    return this.#notAfter;
  }

  /** Issues the first certificate; the credentials are usable once this resolves. */
  async start(): Promise<void> {
    await this.#renew();
  }

  /** TLS server credentials that follow this certificate as it is renewed; no client certificates. */
  credentials(): grpc.ServerCredentials {
    // grpc-js names the first parameter the CA provider but uses it for the identity:
    // with the second null it is the identity either way, and no client certificate is asked for.
    return grpc.experimental.createCertificateProviderServerCredentials(this, null as unknown as grpc.experimental.CertificateProvider, false);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#listeners.add(listener);
    // Not synchronously: grpc-js registers its server's watcher only after this returns,
    // and a certificate delivered before that would never reach the server.
    queueMicrotask(() => {
      if (this.#current && this.#listeners.has(listener)) listener(this.#current);
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#listeners.delete(listener);
  }

  addCaCertificateListener(): void {}
  removeCaCertificateListener(): void {}

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #renew(): Promise<void> {
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const issued = await this.#ca.issueServing(keys.publicKey, this.#names, this.#ttlMs);
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey);
    this.#current = { certificate: Buffer.from(issued.certChainPem.join('')), privateKey: Buffer.from(privateKeyToPem(pkcs8)) };
    this.#notAfter = issued.notAfter;
    for (const listener of this.#listeners) listener(this.#current);
    this.#log.info({ dns: this.#names.dns, ips: this.#names.ips, notAfter: issued.notAfter.toISOString() }, 'control plane serving certificate issued');
    this.#schedule(Math.max(1_000, (issued.notAfter.getTime() - Date.now()) / 2));
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    // setTimeout holds at most ~24.8 days; a longer wait is done in steps.
    const step = Math.min(delayMs, 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      if (step < delayMs) return this.#schedule(delayMs - step);
      this.#renew().catch((error) => {
        this.#log.error({ err: error, retryMs: this.#retryMs }, 'cannot renew the control plane serving certificate; the current one stays until it expires');
        this.#schedule(this.#retryMs);
      });
    }, step);
    this.#timer.unref();
  }
}
