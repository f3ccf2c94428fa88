import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  connectAuthority,
  forwardedFor,
  parseConnectAuthority,
  parseForwardedFor,
  parseTunnelServerName,
  tunnelServerName,
} from './hbone.js';

test('the SNI names the destination pod IP and round-trips, IPv4 and IPv6', () => {
  assert.equal(tunnelServerName('10.244.1.12'), '10-244-1-12.ipv4.hbone.weft');
  assert.equal(parseTunnelServerName('10-244-1-12.ipv4.hbone.weft'), '10.244.1.12');
  assert.equal(tunnelServerName('fd00::1'), 'fd000000000000000000000000000001.ipv6.hbone.weft');
  assert.equal(parseTunnelServerName(tunnelServerName('fd00::1')), 'fd00::1');
  assert.equal(parseTunnelServerName(tunnelServerName('fd00:0:0:0:1::a')), 'fd00::1:0:0:a');
  for (const other of ['reviews.shop.svc.cluster.local', '10-244-1.ipv4.hbone.weft', '10-244-1-012.ipv4.hbone.weft', '999-1-1-1.ipv4.hbone.weft', 'fd00.ipv6.hbone.weft', 'x.10-244-1-12.ipv4.hbone.weft', '']) {
    assert.equal(parseTunnelServerName(other), undefined, other);
  }
  assert.throws(() => tunnelServerName('reviews'));
});

test(':authority is ip:port (IPv6 bracketed); anything else is refused', () => {
  assert.equal(connectAuthority('10.244.1.12', 9080), '10.244.1.12:9080');
  assert.equal(connectAuthority('fd00::1', 80), '[fd00::1]:80');
  assert.deepEqual(parseConnectAuthority('10.244.1.12:9080'), { ip: '10.244.1.12', port: 9080 });
  assert.deepEqual(parseConnectAuthority('[fd00:0::1]:80'), { ip: 'fd00::1', port: 80 });
  for (const bad of ['reviews:80', '10.244.1.12', '10.244.1.12:0', '10.244.1.12:65536', 'fd00::1:80', '[10.0.0.1]:80', '10.244.1.12:80/x', ' 10.244.1.12:80']) {
    assert.equal(parseConnectAuthority(bad), undefined, bad);
  }
});

test('Forwarded: for= carries the source pod IP', () => {
  assert.equal(parseForwardedFor(forwardedFor('10.244.1.5')), '10.244.1.5');
  assert.equal(parseForwardedFor(forwardedFor('fd00::5')), 'fd00::5');
  assert.equal(parseForwardedFor('for="10.244.1.5"'), '10.244.1.5');
  for (const bad of [undefined, '', 'for=unknown', 'for=10.244.1.5;proto=https', 'by=10.244.1.5', 'for=_hidden']) {
    assert.equal(parseForwardedFor(bad), undefined, String(bad));
  }
});
