import assert from 'node:assert/strict';
import type { Http2Session } from 'node:http2';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { abortable, PingBarrier } from './ping-barrier.js';

/** A session whose PINGs the test answers by hand. */
function fakeSession() {
  const answers: ((error: Error | null) => void)[] = [];
  const session = { ping: (callback: (error: Error | null) => void) => (answers.push(callback), true) } as unknown as Http2Session;
  return { session, answers };
}

test('streams waiting while a PING is out share the next one, sent once the first is answered', async () => {
  const { session, answers } = fakeSession();
  const barrier = new PingBarrier(session, 5000);
  let firstDone = false;
  let laterDone = 0;
  barrier.wait().then(() => (firstDone = true));
  barrier.wait().then(() => laterDone++);
  barrier.wait().then(() => laterDone++);
  assert.equal(answers.length, 1, 'one PING out at a time');
  answers[0]!(null);
  await nextTurn();
  assert.equal(firstDone, true);
  assert.equal(laterDone, 0, 'the streams that came after it wait for a PING sent after them');
  assert.equal(answers.length, 2);
  answers[1]!(null);
  await nextTurn();
  assert.equal(laterDone, 2);
});

test('a PING that fails or is never answered fails its waiters, and the next wait sends a new one', async () => {
  const { session, answers } = fakeSession();
  const barrier = new PingBarrier(session, 20);
  await assert.rejects(barrier.wait(), /did not answer a PING within 20 ms/);
  const next = barrier.wait();
  answers[1]!(new Error('session destroyed'));
  await assert.rejects(next, /session destroyed/);
});

test('abortable: the signal wins', async () => {
  const controller = new AbortController();
  const waiting = abortable(new Promise(() => undefined), controller.signal);
  controller.abort(new Error('reset'));
  await assert.rejects(waiting, /reset/);
  assert.equal(await abortable(Promise.resolve(1), new AbortController().signal), 1);
});
