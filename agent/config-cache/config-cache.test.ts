/**
 * The node's config cache: what an agent writes is what the next one reads,
 * through the same decoding the discovery stream's resources get; and every
 * way the file can be bad is reported (file, what was wrong) and leaves the
 * agent as if there were no cache.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { meshResources } from '../../api/mesh-resources.js';
import { emptyMeshConfig } from '../../model/empty-config.js';
import type { MeshConfig } from '../../model/types.js';
import { TestCa } from '../identity/testing/test-ca.js';
import { ConfigCacheError } from './config-cache-errors.js';
import { cacheFormat, decodeCacheRecord, encodeCacheRecord, type CachedConfig } from './cache-record.js';
import { ConfigCache } from './config-cache.js';

const source = { file: 'mesh.yaml', document: 0 };

/** A config as an agent holds it: the control plane's objects after the wire. */
function agentConfig(): MeshConfig {
  const config: MeshConfig = {
    ...emptyMeshConfig(),
    nodes: [{ name: 'node-1', ip: '10.10.0.1', source }, { name: 'node-2', ip: '10.10.0.2', source }],
    services: [{ name: 'echo', namespace: 'default', clusterIP: '10.96.0.10', selector: { app: 'echo' }, ports: [{ port: 7000, targetPort: 7000, protocol: 'TCP' }], source }],
    workloads: [
      { name: 'client-1', namespace: 'default', labels: { app: 'client' }, node: 'node-1', ip: '10.244.1.2', serviceAccount: 'client-1', cgroup: '/t/client-1', mesh: true, source },
      { name: 'echo-2', namespace: 'default', labels: { app: 'echo' }, node: 'node-2', ip: '10.244.2.2', serviceAccount: 'echo-2', mesh: true, source },
    ],
  };
  const registry = meshResources();
  const decoded = registry.kinds().flatMap((kind) =>
    registry.objectsOf(config, kind).map((object) => {
      const { resource } = registry.encode(kind, object);
      return registry.decode({ ...resource, body: kind.field } as never);
    }),
  );
  return registry.assemble(decoded);
}

describe('the config cache', () => {
  let dir: string;
  let record: CachedConfig;
  const reports: string[] = [];
  const report = { written: (r: CachedConfig) => reports.push(`written ${r.version}`), failed: (e: ConfigCacheError) => reports.push(`failed ${e.message}`) };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-config-cache-'));
    const ca = await TestCa.create();
    record = { node: 'node-1', version: '7', config: agentConfig(), trustBundle: { trustDomain: 'cluster.local', trustBundlePem: ca.rootPem }, receivedAt: '2026-12-04T03:00:00.000Z', controlPlane: 'unix:/cp.sock' };
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a record reads back as written: version, config, trust bundle, when and whence', () => {
    assert.ok(record.config.workloads.length === 2 && record.config.nodes.length === 2, 'the fixture went through the wire');
    assert.deepEqual(decodeCacheRecord(encodeCacheRecord(record), 'node-1'), record);
  });

  test('written atomically, 0600, one file per node; the next agent reads it; no temporary file is left', async () => {
    const cache = new ConfigCache(join(dir, 'state'), 'node-1', report);
    assert.deepEqual(cache.read(), {}, 'a node that never had config has no cache, and no error');
    cache.write({ ...record, version: '6' });
    cache.write(record);
    await cache.flushed();
    assert.deepEqual(reports, ['written 7'], 'writes asked for while one waits are coalesced to the newest');
    assert.equal(cache.file, join(dir, 'state', 'config-node-1.json'));
    assert.equal(statSync(cache.file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'state')).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(join(dir, 'state')), ['config-node-1.json']);
    assert.deepEqual(new ConfigCache(join(dir, 'state'), 'node-1', report).read(), { cached: record });
  });

  /** Writes `text` as node-1's cache and reads it: the error it gives (there must be one, and no config). */
  function problemWith(text: string | Buffer, mode = 0o600): ConfigCacheError {
    const state = mkdtempSync(join(dir, 'bad-'));
    const cache = new ConfigCache(state, 'node-1', report);
    writeFileSync(cache.file, text, { mode });
    chmodSync(cache.file, mode);
    const read = cache.read();
    assert.equal(read.cached, undefined, 'a bad cache is never used');
    assert.ok(read.error instanceof ConfigCacheError);
    assert.equal(read.error.code, 'WEFT_ERR_CONFIG_CACHE');
    assert.equal(read.error.file, cache.file);
    assert.ok(read.error.message.includes(cache.file), 'the message names the file');
    return read.error;
  }

  test('a torn, corrupt, foreign or tampered file is reported with what is wrong, and not used', () => {
    const good = encodeCacheRecord(record);
    const file = JSON.parse(good) as Record<string, any>;
    assert.match(problemWith(good.slice(0, good.length / 2)).problem, /not JSON.*torn or corrupt/);
    assert.match(problemWith('').problem, /not JSON/);
    assert.match(problemWith(Buffer.from([0xff, 0x00, 0x13])).problem, /not JSON/);
    assert.match(problemWith('[]').problem, /format/);
    assert.match(problemWith(JSON.stringify({ ...file, format: 'weft.dev/agent-config-cache/v0' })).problem, new RegExp(`format "weft.dev/agent-config-cache/v0", this agent reads ${cacheFormat}`));
    assert.match(problemWith(JSON.stringify({ ...file, node: 'node-2' })).problem, /node "node-2"'s, this is node node-1/);
    assert.match(problemWith(JSON.stringify({ ...file, version: 7 })).problem, /field version is missing or not a string/);
    assert.match(problemWith(JSON.stringify({ ...file, receivedAt: 'yesterday' })).problem, /receivedAt "yesterday" is not a time/);
    assert.match(problemWith(JSON.stringify({ ...file, trustBundle: { trustDomain: 'cluster.local' } })).problem, /trustBundle is missing/);
    assert.match(problemWith(JSON.stringify({ ...file, trustBundle: { trustDomain: 'cluster.local', trustBundlePem: 'not a certificate' } })).problem, /not a PEM bundle/);
    // One flipped bit in the resources: the checksum catches it before any decoding.
    const bytes = Buffer.from(file.resources, 'base64');
    bytes[bytes.length >> 1]! ^= 0x01;
    assert.match(problemWith(JSON.stringify({ ...file, resources: bytes.toString('base64') })).problem, /sha256 .* corrupt/);
  });

  test('a resource the agent would NACK from the control plane makes the whole cache unusable', () => {
    const bad = { ...record, config: { ...record.config, workloads: [{ ...record.config.workloads[0]!, ip: '10.244.1' }] } };
    // The encoder does not check (the control plane's does); the agent's decoder must.
    assert.match(problemWith(encodeCacheRecord(bad)).problem, /resource\(s\) would be rejected from the control plane, e\.g\. Workload\/default\/client-1/);
  });

  test('a file others can write, or another user owns, is not trusted', () => {
    assert.match(problemWith(encodeCacheRecord(record), 0o666).problem, /mode 666 lets others write it/);
    if (process.getuid?.() === 0) {
      const state = mkdtempSync(join(dir, 'owner-'));
      const cache = new ConfigCache(state, 'node-1', report);
      writeFileSync(cache.file, encodeCacheRecord(record), { mode: 0o600 });
      // chown needs root: CI runs as root, so this part always runs there.
      chownSync(cache.file, 65534, 65534);
      assert.match(cache.read().error?.problem ?? '', /owned by uid 65534, not the agent's uid 0/);
    }
  });

  test('an unreadable file is reported, and a failed write is reported, never thrown', async () => {
    const state = mkdtempSync(join(dir, 'unreadable-'));
    const cache = new ConfigCache(state, 'node-1', report);
    // A directory where the file should be: read and write both fail, on any uid.
    rmSync(cache.file, { force: true });
    writeFileSync(join(state, 'x'), '');
    mkdirSync(cache.file);
    assert.match(cache.read().error?.problem ?? '', /cannot read it: EISDIR/);
    reports.length = 0;
    cache.write(record);
    await cache.flushed();
    assert.equal(reports.length, 1);
    assert.match(reports[0]!, /^failed the cached config .* is not used: cannot write it: /);
    assert.ok(existsSync(cache.file));
    assert.deepEqual(readdirSync(state).sort(), ['config-node-1.json', 'x'], 'the failed write left no temporary file');
    assert.equal(readFileSync(join(state, 'x'), 'utf8'), '');
  });
});
