import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, test } from 'node:test';
import { TestCa } from '../identity/testing/test-ca.js';
import { expectPeerIdentity, peerIdentity } from './peer-identity.js';
import * as tunnelErrors from './tunnel-errors.js';

let ca: TestCa;
before(async () => (ca = await TestCa.create()));
const reviews = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'reviews' };
const der = async (options: Parameters<TestCa['issue']>[1] = {}, identity = reviews) =>
  new X509Certificate((await ca.issue(identity, options)).certChainPem).raw;

test('a leaf with one SPIFFE URI SAN of our trust domain proves that identity', async () => {
  assert.deepEqual(peerIdentity(await der(), 'cluster.local'), reviews);
  assert.deepEqual(expectPeerIdentity(await der(), reviews), reviews);
});

test('no certificate, no URI SAN, two URI SANs, a non-SPIFFE URI, another trust domain, another identity: refused', async () => {
  const refused = { code: 'WEFT_ERR_PEER_IDENTITY' };
  assert.throws(() => peerIdentity(undefined, 'cluster.local'), refused);
  assert.throws(() => peerIdentity(Buffer.from('not der'), 'cluster.local'), refused);
  const none = await der({ uris: [] });
  assert.throws(() => peerIdentity(none, 'cluster.local'), { ...refused, message: /exactly one URI SAN, it names 0/ });
  const two = await der({ uris: ['spiffe://cluster.local/ns/shop/sa/reviews', 'spiffe://cluster.local/ns/shop/sa/admin'] });
  assert.throws(() => peerIdentity(two, 'cluster.local'), { ...refused, message: /exactly one URI SAN, it names 2/ });
  const https = await der({ uris: ['https://cluster.local/ns/shop/sa/reviews'] });
  assert.throws(() => peerIdentity(https, 'cluster.local'), { ...refused, message: /scheme/ });
  const foreign = await der({}, { ...reviews, trustDomain: 'evil.example' });
  assert.throws(() => peerIdentity(foreign, 'cluster.local'), { ...refused, message: /trust domain/ });
  const good = await der();
  assert.throws(() => expectPeerIdentity(good, { ...reviews, serviceAccount: 'ratings' }), { ...refused, message: /not the destination's/ });
});

test('every tunnel error class has its own stable WEFT_ERR_ code', () => {
  const samples = [
    new tunnelErrors.PeerIdentityError('x'),
    new tunnelErrors.TunnelConnectError('t', 'x'),
    new tunnelErrors.TunnelRefusedError('t', 404, 'x'),
    new tunnelErrors.InboundRefusedError('tunnel_bad_request', 400, 'x'),
    new tunnelErrors.DialSessionClosedError(),
  ];
  assert.equal(samples.length, Object.keys(tunnelErrors).length, 'a new error class needs a sample here');
  const codes = samples.map((error) => error.code);
  assert.ok(codes.every((code) => /^WEFT_ERR_[A-Z0-9_]+$/.test(code)));
  assert.equal(new Set(codes).size, codes.length);
});
