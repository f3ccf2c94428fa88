import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpiffeId, spiffeId } from '../../core/spiffe-id.js';

test('a well-formed SPIFFE ID round-trips', () => {
  const id = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'reviews' };
  assert.equal(spiffeId(id), 'spiffe://cluster.local/ns/shop/sa/reviews');
  assert.deepEqual(parseSpiffeId(spiffeId(id), 'cluster.local'), id);
});

test('anything but the exact shape is refused', () => {
  for (const bad of [
    'https://cluster.local/ns/shop/sa/reviews',
    'spiffe://cluster.local/ns/shop/sa/reviews/extra',
    'spiffe://cluster.local/ns/shop/sa/',
    'spiffe://cluster.local/ns//sa/reviews',
    'spiffe://cluster.local/ns/shop/sa/re%76iews',
    'spiffe://cluster.local/ns/../sa/reviews',
    'spiffe://cluster.local/ns/./sa/reviews',
    'spiffe://cluster.local/ns/sh..op/sa/reviews',
    'spiffe://cluster.local/NS/shop/sa/reviews',
    'spiffe://cluster.local/ns/Shop/sa/reviews',
    'spiffe://user@cluster.local/ns/shop/sa/reviews',
    'spiffe://cluster.local:443/ns/shop/sa/reviews',
    'spiffe://cluster.local/ns/shop/sa/reviews?x=1',
    'spiffe://cluster.local/ns/shop/sa/reviews#frag',
    'spiffe:///ns/shop/sa/reviews',
  ]) {
    assert.throws(() => parseSpiffeId(bad), { code: 'WEFT_ERR_SPIFFE_ID' }, bad);
  }
  assert.throws(() => parseSpiffeId('spiffe://evil.example/ns/shop/sa/reviews', 'cluster.local'), /trust domain 'evil.example' is not 'cluster.local'/);
});
