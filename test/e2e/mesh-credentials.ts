/**
 * Credentials for the tunnel probes of the e2e tests, as PEM files in a
 * root-only directory of the run: the running control plane's CA (read from
 * its state dir) and a valid client certificate, asked of that control plane
 * as a node's agent asks (its token), for a workload of that node.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { CaClient } from '../../agent/identity/ca-client.js';
import { ControlPlaneChannel } from '../../agent/identity/control-plane-channel.js';
import { CertificateAuthority } from '../../control-plane/ca/certificate-authority.js';
import type { CaMaterial } from '../../control-plane/ca/ca-material.js';
import { FileCaStore } from '../../control-plane/ca/file-ca-store.js';
import { spiffeId, type WorkloadIdentity } from '../../core/spiffe-id.js';
import { newWorkloadKey } from '../../core/workload-key.js';
import type { TestbedMesh } from '../../testbed/mesh.js';

export interface MeshCredentials {
  /** writes another PEM file beside these (0600) and returns its path */
  file(name: string, text: string): string;
  /** the CA's material, to sign certificates the proxy must refuse */
  material: CaMaterial;
  root: string;
  cert: string;
  key: string;
}

export async function meshCredentials(mesh: TestbedMesh, dirName: string, node: string, identity: WorkloadIdentity): Promise<MeshCredentials> {
  const dir = join(mesh.testbed.runDir, dirName);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    return join(dir, name);
  };
  const material = await new FileCaStore(mesh.controlPlane!.stateDir).load();
  assert.ok(material, 'the control plane keeps its CA in the state dir');
  const meshCa = await CertificateAuthority.open(material, { trustDomain: identity.trustDomain, workloadTtlMs: 3_600_000, log: pino({ level: 'silent' }) });
  const root = file('root.pem', meshCa.trustBundlePem);
  const key = await newWorkloadKey(spiffeId(identity));
  const channel = new ControlPlaneChannel({ address: `unix:${mesh.controlPlane!.socket}`, tokenFile: mesh.tokenFile(node) });
  const client = new CaClient({ channel, node, timeoutMs: 5000 });
  try {
    const issued = await client.createCertificate(key.csrPem, identity);
    return { file, material, root, cert: file('cert.pem', issued.certChainPem.join('')), key: file('key.pem', key.keyPem) };
  } finally {
    client.close();
  }
}
