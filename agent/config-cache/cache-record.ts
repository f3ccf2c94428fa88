/**
 * The cache file's contents: what the node last applied from its control
 * plane, in the discovery stream's own wire form, so that reading it back
 * runs every resource through the same decoding and checks the agent applies
 * to the control plane's responses. Anything the agent would NACK on the
 * stream makes the whole cache unusable: half a config is not a config.
 *
 * The trust bundle rides along because it is public and the identity manager
 * cannot exist without it; workload certificates and keys never do (without
 * the control plane a node must not be able to open cross-node tunnels).
 */
import { createHash } from 'node:crypto';
import { weftV1 } from '../../api/load-protos.js';
import { meshResources } from '../../api/mesh-resources.js';
import type { MeshConfig } from '../../model/types.js';
import type { DiscoveryResponse__Output } from '../../proto/generated/weft/v1/DiscoveryResponse.js';
import type { TrustBundle } from '../identity/ca-client.js';
import { parsePemCertificates } from '../identity/verify-chain.js';
import { ResourceStore } from '../xds/resource-store.js';

/** Bumped when the layout changes: an agent ignores (and reports) a format it does not know. */
export const cacheFormat = 'weft.dev/agent-config-cache/v1';

export interface CachedConfig {
  node: string;
  /** The control plane's system version of this config. */
  version: string;
  config: MeshConfig;
  trustBundle: TrustBundle;
  /** When the agent received (and applied) it, ISO 8601. */
  receivedAt: string;
  /** The control plane it came from, as --control-plane named it. */
  controlPlane: string;
}

interface CacheFile {
  format: string;
  node: string;
  version: string;
  receivedAt: string;
  controlPlane: string;
  trustBundle: TrustBundle;
  /** A DiscoveryResponse holding every resource, protobuf, base64. */
  resources: string;
  /** sha256 of the decoded `resources` bytes: a torn or bit-flipped file is told from a bad config. */
  sha256: string;
}

function discoveryResponseCodec() {
  const method = weftV1().MeshDiscovery.service.Stream;
  return {
    serialize: (response: object) => method.responseSerialize(response as never),
    deserialize: (bytes: Buffer) => method.responseDeserialize(bytes) as DiscoveryResponse__Output,
  };
}

export function encodeCacheRecord(record: CachedConfig): string {
  const registry = meshResources();
  const resources = registry.kinds().flatMap((kind) => registry.objectsOf(record.config, kind).map((object) => registry.encode(kind, object).resource));
  const bytes = discoveryResponseCodec().serialize({ systemVersionInfo: record.version, nonce: 'cache', resources, removedResources: [] });
  const file: CacheFile = {
    format: cacheFormat,
    node: record.node,
    version: record.version,
    receivedAt: record.receivedAt,
    controlPlane: record.controlPlane,
    trustBundle: { trustDomain: record.trustBundle.trustDomain, trustBundlePem: record.trustBundle.trustBundlePem },
    resources: bytes.toString('base64'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  return `${JSON.stringify(file, null, 1)}\n`;
}

/** The record in `text`, checked; throws an Error saying what is wrong (the caller names the file). */
export function decodeCacheRecord(text: string, node: string): CachedConfig {
  let file: Partial<CacheFile>;
  try {
    file = JSON.parse(text) as Partial<CacheFile>;
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message}): a torn or corrupt write`);
  }
  if (!file || typeof file !== 'object') throw new Error('not a JSON object');
  if (file.format !== cacheFormat) throw new Error(`format ${JSON.stringify(file.format)}, this agent reads ${cacheFormat}`);
  if (file.node !== node) throw new Error(`it is node ${JSON.stringify(file.node)}'s, this is node ${node}`);
  for (const field of ['version', 'receivedAt', 'controlPlane', 'resources', 'sha256'] as const) {
    if (typeof file[field] !== 'string') throw new Error(`field ${field} is missing or not a string`);
  }
  const { version, receivedAt, controlPlane, resources, sha256 } = file as CacheFile;
  if (Number.isNaN(Date.parse(receivedAt))) throw new Error(`receivedAt ${JSON.stringify(receivedAt)} is not a time`);
  const trustBundle = file.trustBundle;
  if (!trustBundle || typeof trustBundle.trustDomain !== 'string' || !trustBundle.trustDomain || typeof trustBundle.trustBundlePem !== 'string') {
    throw new Error('trustBundle is missing its trustDomain or trustBundlePem');
  }
  try {
    if (parsePemCertificates(trustBundle.trustBundlePem).length === 0) throw new Error('no certificate in it');
  } catch (error) {
    throw new Error(`trustBundle.trustBundlePem is not a PEM bundle: ${(error as Error).message}`);
  }
  const bytes = Buffer.from(resources, 'base64');
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== sha256) throw new Error(`the resources' sha256 is ${digest}, the file says ${sha256}: corrupt`);
  let response: DiscoveryResponse__Output;
  try {
    response = discoveryResponseCodec().deserialize(bytes);
  } catch (error) {
    throw new Error(`the resources do not decode as a DiscoveryResponse: ${(error as Error).message}`);
  }
  const store = new ResourceStore(meshResources());
  const { rejected } = store.apply(response);
  if (rejected.length > 0) {
    const first = rejected[0]!;
    throw new Error(`${rejected.length} resource(s) would be rejected from the control plane, e.g. ${first.name}: ${first.message}`);
  }
  return { node, version, config: store.config(), trustBundle: { trustDomain: trustBundle.trustDomain, trustBundlePem: trustBundle.trustBundlePem }, receivedAt, controlPlane };
}
