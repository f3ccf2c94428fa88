/** The echo's knobs as read from a request, without a testbed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttemptCounter, delayOf, EchoKnobError, knobReader, pickCode, readKnobs } from './echo-knobs.js';

const fromQuery = (query: string, headers: Record<string, string> = {}) => readKnobs(knobReader(new URLSearchParams(query), (name) => headers[name]));

test('knobs come from the query, else from x-echo-* headers; the query wins', () => {
  const knobs = fromQuery('delay=1.5s&codes=503:1,200:3&headers=location:/x,a:1,a:2', { 'x-echo-delay': '5ms', 'x-echo-fail-first': '2', 'x-echo-fail-with': 'reset', 'x-echo-size': '10' });
  assert.deepEqual(knobs, {
    delayMs: 1500,
    codes: [{ code: 503, weight: 1 }, { code: 200, weight: 3 }],
    headers: [['location', '/x'], ['a', '1'], ['a', '2']],
    trailers: [],
    failFirst: 2,
    failWith: 'reset',
    failDelayMs: undefined,
    size: 10,
  });
  assert.equal(fromQuery('delay=250').delayMs, 250);
  assert.equal(fromQuery('delay=250ms').delayMs, 250);
  assert.deepEqual(fromQuery(''), { delayMs: 0, codes: [], headers: [], trailers: [], failFirst: 0, failWith: undefined, failDelayMs: undefined, size: undefined });
});

test('a bad knob is an EchoKnobError naming it', () => {
  for (const [query, pattern] of [['delay=soon', /delay/], ['delay=61s', /at most/], ['codes=abc', /codes/], ['codes=503:1:2', /code:weight/], ['headers=novalue', /name:value/], ['fail_first=-1', /fail_first/], ['size=1.5', /size/]] as const) {
    assert.throws(() => fromQuery(query), (error: Error) => error instanceof EchoKnobError && error.code === 'WEFT_ERR_TESTBED_ECHO_KNOB' && pattern.test(error.message), query);
  }
});

test('a weighted pick only picks codes with weight; none given is the fallback', () => {
  assert.equal(pickCode([], 200), 200);
  for (let i = 0; i < 50; i++) assert.equal(pickCode([{ code: 500, weight: 0 }, { code: 418, weight: 1 }], 200), 418);
  const seen = new Set(Array.from({ length: 200 }, () => pickCode([{ code: 500, weight: 1 }, { code: 200, weight: 1 }], 0)));
  assert.deepEqual([...seen].sort(), [200, 500]);
});

test('attempts are counted per request id, the oldest ids forgotten past the bound', () => {
  const attempts = new AttemptCounter(2);
  assert.deepEqual([attempts.count('a'), attempts.count('a'), attempts.count('b'), attempts.count('a')], [1, 2, 1, 3]);
  attempts.count('c'); // forgets b, the least recently seen
  assert.equal(attempts.count('a'), 4);
  assert.equal(attempts.count('b'), 1);
});

test('fail_delay delays the failing attempts only; without it they wait `delay` as the others do', () => {
  const knobs = fromQuery('fail_first=2&fail_delay=300ms&delay=10ms');
  assert.deepEqual([1, 2, 3].map((attempt) => delayOf(knobs, attempt)), [300, 300, 10]);
  assert.deepEqual([1, 3].map((attempt) => delayOf(fromQuery('fail_first=2&delay=10ms'), attempt)), [10, 10]);
  assert.equal(delayOf(knobs, undefined), 10);
});
