/**
 * Where the CA Weft generates itself is kept, so that a restarted control
 * plane (or a second replica) signs with the same root: files in the state
 * directory (file-ca-store.ts) or a Kubernetes Secret (kube-secret-ca-store.ts).
 * An operator-provided CA (--ca-cert/--ca-key) is read from its files and
 * never goes through a store.
 */
import type { Logger } from '../../core/log.js';
import type { CaMaterial } from './ca-material.js';
import { generateRootCa } from './root-ca.js';

export interface CaStore {
  /** For messages: "/var/lib/weft/ca", "Secret weft-system/weft-ca". */
  readonly description: string;
  /** The stored CA, or undefined when there is none yet. */
  load(): Promise<CaMaterial | undefined>;
  /**
   * Stores `material` unless a CA appeared meanwhile (another replica won
   * the race); returns what is stored afterwards, which is what to use.
   */
  saveIfAbsent(material: CaMaterial): Promise<CaMaterial>;
}

/** The stored root, or a new one stored first: created once, reused across restarts. */
export async function loadOrCreateRoot(store: CaStore, log: Logger): Promise<{ material: CaMaterial; created: boolean }> {
  const existing = await store.load();
  if (existing) return { material: existing, created: false };
  const generated = await generateRootCa(store.description);
  const stored = await store.saveIfAbsent(generated);
  const created = stored.certChainPem === generated.certChainPem;
  log.info({ store: store.description, created }, created ? 'generated the mesh root CA' : 'another control plane stored a root CA first; using it');
  return { material: stored, created };
}
