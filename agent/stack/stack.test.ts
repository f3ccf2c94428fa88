import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStack, filled, type Layer } from './stack.js';

test('layers run in list order around the end handler; a layer may stop the path', async () => {
  const seen: string[] = [];
  const mark =
    (name: string): Layer<{ stop?: string }> =>
    (next) =>
    (c) => {
      seen.push(name);
      return c.stop === name ? Promise.resolve() : next(c);
    };
  const handler = buildStack([mark('a'), mark('b'), mark('c')], async () => void seen.push('end'));
  await handler({});
  await handler({ stop: 'b' });
  assert.deepEqual(seen, ['a', 'b', 'c', 'end', 'a', 'b']);
});

test('a field read before its layer filled it is a bug, said as such', () => {
  assert.equal(filled(1, 'x'), 1);
  assert.throws(() => filled(undefined, 'source'), /'source' is read before a layer filled it/);
});
