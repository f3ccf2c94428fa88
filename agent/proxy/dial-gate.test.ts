import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DialGate, defaultDialLimits, type ReleaseDial } from './dial-gate.js';
import { DialSessionClosedError, InboundRefusedError } from './tunnel-errors.js';

const limits = { ...defaultDialLimits, perSession: 2, perPeer: 3, queuePerPeer: 2 };
const live = () => new AbortController().signal;

/** Whether the promise has settled by two turns from now (a barrier's wait is followed by one), and how. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'granted' | 'rejected'> {
  let result: 'pending' | 'granted' | 'rejected' = 'pending';
  promise.then(() => (result = 'granted'), () => (result = 'rejected'));
  await nextTurn();
  await nextTurn();
  return result;
}

test('dials in flight are capped per session and per peer; the rest wait in arrival order', async () => {
  const gate = new DialGate(limits);
  const a = gate.session('10.0.0.1');
  const b = gate.session('10.0.0.1');
  const a1 = await a.acquire(live());
  const a2 = await a.acquire(live());
  const a3 = a.acquire(live());
  assert.equal(await state(a3), 'pending', 'the session is at its cap');
  const b1 = await b.acquire(live());
  const b2 = b.acquire(live());
  assert.equal(await state(b2), 'pending', 'the peer is at its cap');
  assert.deepEqual(gate.peer('10.0.0.1'), { inFlight: 3, waiting: 2 });
  a1();
  assert.equal(await state(a3), 'granted', "the first waiter gets the slot: a's own");
  assert.equal(await state(b2), 'pending');
  b1();
  assert.equal(await state(b2), 'granted');
  a1(); // twice does nothing
  assert.deepEqual(gate.peer('10.0.0.1'), { inFlight: 3, waiting: 0 });
  a2();
  (await a3)();
  (await b2)();
  a.close();
  b.close();
  assert.equal(gate.peer('10.0.0.1'), undefined, 'an idle peer is forgotten');
});

test('another peer has slots of its own', async () => {
  const gate = new DialGate(limits);
  const one = gate.session('10.0.0.1');
  const other = gate.session('10.0.0.2');
  const held: ReleaseDial[] = [await one.acquire(live()), await one.acquire(live())];
  assert.equal(await state(other.acquire(live())), 'granted');
  for (const release of held) release();
});

test('a waiter whose stream is reset leaves the queue and is never granted', async () => {
  const gate = new DialGate(limits);
  const s = gate.session('10.0.0.1');
  const r1 = await s.acquire(live());
  await s.acquire(live());
  const stream = new AbortController();
  const waiting = s.acquire(stream.signal);
  const after = s.acquire(live());
  assert.deepEqual(gate.peer('10.0.0.1'), { inFlight: 2, waiting: 2 });
  stream.abort(new Error('RST_STREAM'));
  await assert.rejects(waiting, /RST_STREAM/);
  assert.deepEqual(gate.peer('10.0.0.1'), { inFlight: 2, waiting: 1 });
  r1();
  assert.equal(await state(after), 'granted', 'the slot goes to the next waiter');
  await assert.rejects(s.acquire(AbortSignal.abort(new Error('already reset'))), /already reset/);
});

test("beyond the peer's queue a stream is refused with REFUSED_STREAM", async () => {
  const gate = new DialGate(limits);
  const s = gate.session('10.0.0.1');
  await s.acquire(live());
  await s.acquire(live());
  void s.acquire(live()).catch(() => undefined);
  void s.acquire(live()).catch(() => undefined);
  const refused = await s.acquire(live()).then(() => undefined, (error: unknown) => error);
  assert.ok(refused instanceof InboundRefusedError);
  assert.equal(refused.reason, 'tunnel_dial_queue_full');
  assert.equal(refused.resetCode, 7); // NGHTTP2_REFUSED_STREAM
});

test('a closed session: its waiters are refused and it asks for no more', async () => {
  const gate = new DialGate(limits);
  const s = gate.session('10.0.0.1');
  const other = gate.session('10.0.0.1');
  await s.acquire(live());
  await s.acquire(live());
  const waiting = s.acquire(live());
  const othersWaiting = other.acquire(live());
  s.close();
  await assert.rejects(waiting, DialSessionClosedError);
  await assert.rejects(s.acquire(live()), DialSessionClosedError);
  assert.equal(await state(othersWaiting), 'granted', "another session's stream takes the peer's free slot");
});

test('a young or suspect session waits for its barrier (a PING round trip) before a slot; a proven one does not', async () => {
  const gate = new DialGate({ ...limits, perSession: 10, perPeer: 10, provenAfterDials: 2 });
  let suspect = false;
  let pings = 0;
  let answer: () => void = () => undefined;
  const barrier = () => {
    pings++;
    return new Promise<void>((resolve) => (answer = resolve));
  };
  const s = gate.session('10.0.0.1', () => suspect, barrier);
  const first = s.acquire(live());
  assert.equal(await state(first), 'pending', 'a fresh session waits for the round trip');
  answer();
  assert.equal(await state(first), 'granted');
  const second = s.acquire(live());
  answer();
  await second;
  assert.equal(pings, 2);
  assert.equal(await state(s.acquire(live())), 'granted', 'proven after 2 dials: no wait');
  assert.equal(pings, 2);
  suspect = true;
  const stream = new AbortController();
  const third = s.acquire(stream.signal);
  assert.equal(await state(third), 'pending', 'a suspect session waits again');
  stream.abort(new Error('RST_STREAM'));
  await assert.rejects(third, /RST_STREAM/, 'reset while it waited: no slot');
  assert.equal(gate.peer('10.0.0.1')?.inFlight, 3);
});
