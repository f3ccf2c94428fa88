import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from './file-source-errors.js';
import { errors, issueAt, lineInDocument, withoutEnforcementNotices } from '../manifests/issue-assertions.js';
import { formatIssue } from '../../model/issues.js';
import { emptyMeshConfig } from '../../model/empty-config.js';
import { loadConfigDir } from './file-source.js';

// dist/control-plane/sources/ -> the repository root.
const defaultMeshDir = fileURLToPath(new URL('../../../deploy/default/', import.meta.url));

const service = (name: string, ip: string, port: number | string) => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: shop }
spec:
  clusterIP: ${ip}
  selector: { app: ${name} }
  ports: [{ name: http, port: ${port} }]
`;

describe('loadConfigDir', () => {
  let dir = '';
  const shop = [service('a', '10.96.0.1', 80), service('b', '10.96.0.2', 70000), service('c', '10.96.0.3', 81)].join('---\n');
  const later = `${service('z', '10.96.0.1', 80)}---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: { name: r }\n`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-config-'));
    await writeFile(join(dir, 'shop.yaml'), shop);
    await writeFile(join(dir, 'later.yml'), later);
    await writeFile(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: [Service\n');
    await writeFile(join(dir, 'README.md'), 'not a manifest: {');
    await writeFile(join(dir, '.swap.yaml'), 'not: [a manifest');
    await mkdir(join(dir, 'nested.yaml'));
    await writeFile(join(dir, 'target.txt'), service('linked', '10.96.0.9', 90));
    await symlink(join(dir, 'target.txt'), join(dir, 'linked.yaml'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads *.yaml and *.yml in name order, following symlinks, skipping dot-files and directories', async () => {
    const { config, issues } = await loadConfigDir(dir);
    const files = [...new Set(issues.map((issue) => issue.file))];
    assert.deepEqual(files, ['broken.yaml', 'later.yml', 'shop.yaml'].map((name) => join(dir, name)));
    // later.yml sorts before shop.yaml, so its Service z claims 10.96.0.1 first.
    assert.deepEqual(config.services.map((s) => s.name).sort(), ['c', 'linked', 'z']);
  });

  it('reports each planted problem with file, document, path and line', async () => {
    const { issues } = await loadConfigDir(dir);
    const at = (file: string) => issues.filter((issue) => issue.file === join(dir, file));

    const port = issueAt(at('shop.yaml'), 1, 'spec.ports[0].port');
    assert.equal(port.line, lineInDocument(shop, 1, 'ports:'));
    assert.equal(formatIssue(port), `${join(dir, 'shop.yaml')}:${port.line} [doc 1] spec.ports[0].port: must be <= 65535`);

    const clash = issueAt(at('shop.yaml'), 0, 'spec.clusterIP');
    assert.equal(clash.line, 5);
    assert.match(clash.message, /already used by Service shop\/z \(.*later\.yml:1 \[doc 0\]\)/);

    const syntax = at('broken.yaml');
    assert.ok(syntax.length > 0 && syntax.every((issue) => issue.severity === 'error' && issue.line !== undefined));

    const route = issueAt(at('later.yml'), 1, '');
    assert.equal(route.severity, 'warning');
    assert.equal(route.message, 'kind ReferenceGrant is not supported yet; ignored');

    assert.equal(errors(issues).length, 2 + syntax.length, issues.map(formatIssue).join('\n'));
  });

  it('throws a ConfigError naming a directory it cannot read', async () => {
    const missing = join(dir, 'no-such-dir');
    await assert.rejects(loadConfigDir(missing), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'WEFT_ERR_CONFIG');
      assert.match(error.message, new RegExp(`${missing}.*ENOENT`));
      return true;
    });
  });

  it('warns when a directory holds no manifests', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'weft-config-empty-'));
    try {
      const { config, issues } = await loadConfigDir(empty);
      assert.deepEqual(config, emptyMeshConfig());
      assert.deepEqual(issues.map((issue) => [issue.severity, issue.file]), [['warning', empty]]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('the default mesh (deploy/default)', () => {
  it('loads with no issues', async () => {
    const { config, issues } = await loadConfigDir(defaultMeshDir);
    // Its HTTPRoute and AuthorizationPolicy are both enforced: no notice at all.
    assert.deepEqual(withoutEnforcementNotices(issues, 0).map(formatIssue), []);
    assert.deepEqual(
      config.services.map((s) => [s.name, s.namespace, s.clusterIP, s.ports.map((p) => `${p.port}->${p.targetPort}/${p.appProtocol}`)]),
      [
        ['frontend', 'shop', '10.96.0.10', ['80->8080/http']],
        ['reviews', 'shop', '10.96.0.20', ['9080->9080/http']],
        ['reviews-v1', 'shop', '10.96.0.21', ['9080->9080/http']],
        ['reviews-v2', 'shop', '10.96.0.22', ['9080->9080/http']],
      ],
    );
    assert.deepEqual(
      config.workloads.map((w) => [w.name, w.node, w.ip, w.serviceAccount, w.labels, w.cgroup, w.mesh]),
      [
        ['frontend-0', 'node-1', '10.244.1.10', 'frontend', { app: 'frontend' }, '/weft-demo/node-1/frontend-0', true],
        ['reviews-v1-0', 'node-1', '10.244.1.12', 'reviews', { app: 'reviews', version: 'v1' }, '/weft-demo/node-1/reviews-v1-0', true],
        ['reviews-v2-0', 'node-2', '10.244.2.12', 'reviews', { app: 'reviews', version: 'v2' }, '/weft-demo/node-2/reviews-v2-0', true],
      ],
    );
    assert.deepEqual(config.namespaces.map((n) => [n.name, n.labels]), [['shop', { 'weft.dev/mesh': 'enabled' }]]);
    assert.deepEqual(
      config.httpRoutes.map((r) => [r.namespace, r.name, r.parentRefs, r.rules.map((rule) => [rule.backendRefs, rule.timeouts, rule.retry])]),
      [
        [
          'shop',
          'reviews',
          [{ name: 'reviews', namespace: 'shop', port: 9080 }],
          [
            // x-canary: yes to v2, the rest 90/10
            [[{ name: 'reviews-v2', namespace: 'shop', port: 9080, weight: 1 }], { requestMs: 5000 }, undefined],
            [
              [
                { name: 'reviews-v1', namespace: 'shop', port: 9080, weight: 90 },
                { name: 'reviews-v2', namespace: 'shop', port: 9080, weight: 10 },
              ],
              { requestMs: 5000 },
              { attempts: 2, backoffMs: 100, codes: [502, 503] },
            ],
          ],
        ],
      ],
    );
    assert.deepEqual(
      config.authorizationPolicies.map((p) => [p.name, p.selector, p.action, p.rules]),
      [
        [
          'reviews-readers',
          { app: 'reviews' },
          'ALLOW',
          [
            {
              from: [{ principals: ['spiffe://cluster.local/ns/shop/sa/frontend'], notPrincipals: [], namespaces: [], notNamespaces: [], ipBlocks: [], notIpBlocks: [], remoteIpBlocks: [], notRemoteIpBlocks: [] }],
              to: [{ ports: [9080], notPorts: [], methods: ['GET', 'HEAD'], notMethods: [], paths: [], notPaths: [], hosts: [], notHosts: [] }],
              when: [],
            },
          ],
        ],
      ],
    );
    assert.deepEqual([config.grpcRoutes, config.peerAuthentications], [[], []]);
  });
});
