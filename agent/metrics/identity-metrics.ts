/** Seconds left on each local identity's certificate, read at scrape time from the identity manager. */
import { Gauge, type Registry } from 'prom-client';

export class IdentityMetrics {
  readonly certificateExpiry: Gauge<'identity'>;
  #expiries: () => Iterable<[string, Date]> = () => [];

  constructor(registry: Registry) {
    const expiries = () => this.#expiries();
    this.certificateExpiry = new Gauge({
      name: 'weft_certificate_expiry_seconds',
      help: 'Seconds until the workload certificate of each local identity (SPIFFE ID) expires; negative once expired',
      labelNames: ['identity'],
      registers: [registry],
      collect() {
        // Identities dropped since the last scrape disappear rather than freeze at their last value.
        this.reset();
        for (const [identity, notAfter] of expiries()) this.set({ identity }, (notAfter.getTime() - Date.now()) / 1000);
      },
    });
  }

  /** The identity manager's certificates (agent/identity/secret-manager.ts). */
  bind(source: () => Iterable<[string, Date]>): void {
    this.#expiries = source;
  }
}
