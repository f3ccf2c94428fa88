import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadManifests } from '../control-plane/manifests/load-manifests.js';
import { effectivePeerAuthentication } from './peer-authentication-mode.js';
import type { MtlsMode, PeerAuthentication } from './policy-types.js';

function policy(
  namespace: string,
  name: string,
  mode: MtlsMode,
  selector?: Record<string, string>,
  portLevelMtls: PeerAuthentication['portLevelMtls'] = [],
): PeerAuthentication {
  return { name, namespace, mode, portLevelMtls, ...(selector ? { selector } : {}), source: { file: 't.yaml', document: 0 } };
}

const reviews = { namespace: 'shop', labels: { app: 'reviews', version: 'v1' } };

describe('effective PeerAuthentication mode of a workload', () => {
  it('is PERMISSIVE, the mesh default, without any policy', () => {
    assert.deepEqual(effectivePeerAuthentication(reviews, []), { mode: 'PERMISSIVE', ports: [] });
  });

  it('takes a mesh-wide policy: no selector, in weft-system', () => {
    const result = effectivePeerAuthentication(reviews, [policy('weft-system', 'default', 'STRICT')]);
    assert.deepEqual(result, { mode: 'STRICT', ports: [], decidedBy: 'weft-system/default' });
  });

  it('a namespace-wide policy wins over the mesh-wide one, and covers only its namespace', () => {
    const policies = [policy('weft-system', 'default', 'STRICT'), policy('shop', 'default', 'PERMISSIVE')];
    assert.equal(effectivePeerAuthentication(reviews, policies).mode, 'PERMISSIVE');
    assert.equal(effectivePeerAuthentication({ namespace: 'bank', labels: {} }, policies).mode, 'STRICT');
  });

  it('a workload policy whose selector matches wins over the namespace-wide one', () => {
    const policies = [policy('shop', 'default', 'STRICT'), policy('shop', 'reviews', 'PERMISSIVE', { app: 'reviews' })];
    assert.deepEqual(effectivePeerAuthentication(reviews, policies), { mode: 'PERMISSIVE', ports: [], decidedBy: 'shop/reviews' });
    assert.equal(effectivePeerAuthentication({ namespace: 'shop', labels: { app: 'ratings' } }, policies).mode, 'STRICT');
  });

  it('a selector must match every label, and only in its own namespace', () => {
    const policies = [
      policy('shop', 'v2-only', 'STRICT', { app: 'reviews', version: 'v2' }),
      policy('bank', 'elsewhere', 'STRICT', { app: 'reviews' }),
      policy('weft-system', 'root-selector', 'STRICT', { app: 'reviews' }),
    ];
    assert.equal(effectivePeerAuthentication(reviews, policies).mode, 'PERMISSIVE');
  });

  it('UNSET defers to the namespace, then the mesh, then the default', () => {
    const workload = policy('shop', 'reviews', 'UNSET', { app: 'reviews' });
    assert.equal(effectivePeerAuthentication(reviews, [workload, policy('shop', 'ns', 'STRICT')]).mode, 'STRICT');
    assert.equal(
      effectivePeerAuthentication(reviews, [workload, policy('shop', 'ns', 'UNSET'), policy('weft-system', 'mesh', 'STRICT')]).mode,
      'STRICT',
    );
    assert.deepEqual(effectivePeerAuthentication(reviews, [workload, policy('shop', 'ns', 'UNSET')]), { mode: 'PERMISSIVE', ports: [] });
  });

  it('DISABLE is kept as such (the datapath lets it through like PERMISSIVE)', () => {
    assert.equal(effectivePeerAuthentication(reviews, [policy('shop', 'ns', 'DISABLE')]).mode, 'DISABLE');
  });

  it('ports come from the workload policy; an UNSET port takes the workload mode, inherited or not', () => {
    const ports = [
      { port: 7070, mode: 'UNSET' as const },
      { port: 8080, mode: 'STRICT' as const },
      { port: 9090, mode: 'DISABLE' as const },
    ];
    const result = effectivePeerAuthentication(reviews, [
      policy('shop', 'reviews', 'UNSET', { app: 'reviews' }, ports),
      policy('weft-system', 'mesh', 'PERMISSIVE'),
    ]);
    assert.deepEqual(result, {
      mode: 'PERMISSIVE',
      ports: [
        { port: 7070, mode: 'PERMISSIVE' },
        { port: 8080, mode: 'STRICT' },
        { port: 9090, mode: 'DISABLE' },
      ],
      decidedBy: 'weft-system/mesh',
    });
  });

  it('of several matching workload policies the first by name decides, whatever their order', () => {
    const a = policy('shop', 'a-strict', 'STRICT', { app: 'reviews' });
    const b = policy('shop', 'b-permissive', 'PERMISSIVE', { version: 'v1' });
    assert.equal(effectivePeerAuthentication(reviews, [b, a]).mode, 'STRICT');
    assert.equal(effectivePeerAuthentication(reviews, [a, b]).mode, 'STRICT');
  });

  it('reads manifests as the config model builds them', () => {
    const { config, issues } = loadManifests([
      {
        file: 'peer.yaml',
        text: `apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: default, namespace: weft-system }
spec: { mtls: { mode: STRICT } }
---
apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: reviews, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  portLevelMtls:
    8080: { mode: PERMISSIVE }
`,
      },
    ]);
    assert.deepEqual(issues.filter((issue) => issue.severity === 'error'), []);
    assert.deepEqual(effectivePeerAuthentication(reviews, config.peerAuthentications), {
      mode: 'STRICT',
      ports: [{ port: 8080, mode: 'PERMISSIVE' }],
      decidedBy: 'weft-system/default',
    });
  });
});
