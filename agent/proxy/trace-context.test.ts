import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceparent, summarizeBaggage } from './trace-context.js';

test('traceparent: the ids and the sampled flag of a valid header; undefined for an invalid one', () => {
  assert.deepEqual(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    parentId: '00f067aa0ba902b7',
    sampled: true,
  });
  assert.equal(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled, false);
  // A later version may append fields; version 00 may not.
  assert.equal(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  for (const invalid of [
    undefined,
    '',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
  ]) {
    assert.equal(parseTraceparent(invalid), undefined, String(invalid));
  }
});

test('baggage: its size and member keys, never its values', () => {
  const value = 'userId=alice, serverNode=DF%2028;p=1,isProduction=false';
  const summary = summarizeBaggage(value);
  assert.deepEqual(summary, { bytes: Buffer.byteLength(value), keys: ['userId', 'serverNode', 'isProduction'] });
  assert.ok(!JSON.stringify(summary).includes('alice'));
  assert.equal(summarizeBaggage(undefined), undefined);
  assert.equal(summarizeBaggage(Array.from({ length: 40 }, (_, i) => `k${i}=v`).join(','))!.keys.length, 16);
});
