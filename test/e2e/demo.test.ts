/**
 * `weft demo` as a user runs it with its output piped (progress as plain
 * lines, the top view as one table after another): the whole mesh comes up, a
 * request goes through the redirect to both reviews versions with its trace
 * context carried, `weft top` sees the load pod's traffic, and nothing of the
 * run is left afterwards, whether it ends by itself or by Ctrl-C.
 * demo-pty.test.ts drives it on a terminal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { installRoot } from '../../core/paths.js';
import { sweepPrefix } from '../../testbed/teardown.js';
import { leftovers, prefixIn, topRows } from './demo-output.js';

function runDemo(args: string[], onOutput?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, [join(installRoot, 'bin', 'weft.js'), 'demo', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput?.(output, child);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** Asserts nothing of the run is left; removes what is, so one failure does not leak into the next run. */
function assertNothingLeft(output: string): void {
  const prefix = prefixIn(output);
  const left = leftovers(prefix);
  if (left.length > 0) sweepPrefix(prefix);
  assert.deepEqual(left, [], `the demo left part of ${prefix} behind`);
}

describe('weft demo', { timeout: 200_000 }, () => {
  test('--once: a request reaches both reviews versions through the node proxy, top shows the traffic, then everything is removed', async () => {
    const { code, output } = await runDemo(['--once']);
    assert.equal(code, 0, output);
    assert.match(output, /✔ created 2 nodes and 4 pods/); // progress, as plain lines without a terminal
    assert.match(output, /"version":"v1","pod":"reviews-v1-0","peer":"10\.10\.0\.1"/);
    // x-canary: yes is routed to v2, cross-node: through the tunnel, the last hop is node-2's inbound proxy.
    assert.match(output, /"version":"v2","pod":"reviews-v2-0","peer":"10\.10\.0\.2"/);
    // The trace context the caller sent reached reviews: frontend forwarded it, the proxies carried it.
    assert.match(
      output,
      /"frontend":"frontend-0".*"reviews":\{"service":"reviews".*"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","baggage":"demo=weft"\}/,
    );
    // reviews-readers enforced: the load pod's own call to reviews is refused, and the dry run agrees.
    assert.match(output, /RBAC: access denied \(HTTP 403\)/);
    assert.match(output, /DENY {2}shop\/reviews-v\d-0 \S+ {2}no ALLOW policy matched/);
    // The top table, read from both agents inside node-1's namespace, shows the load pod's calls.
    assert.match(output, /2\/2 agents answered · rates over the last/);
    const rows = topRows(output);
    // By workload: the canary's 90% side is there with traffic (10% of a few seconds' calls may be none).
    for (const workload of ['frontend', 'reviews-v1']) {
      const row = rows.find((r) => r.namespace === 'shop' && r.name === workload);
      assert.ok(row && row.rps > 0, `no ${workload} requests in the top table:\n${output}`);
    }
    assert.match(output, /done: nothing left behind/);
    assertNothingLeft(output);
  });

  test('Ctrl-C during the live view removes everything, the view and the load pod included', async () => {
    let interrupted = false;
    const { code, output } = await runDemo(['--interval', '200'], (text, child) => {
      if (!interrupted && topRows(text).some((r) => r.name === 'frontend' && r.rps > 0)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    assert.ok(interrupted, `the demo's live view never showed frontend traffic:\n${output}`);
    assert.equal(code, 130, output);
    assert.match(output, /stopping: removing the demo mesh/);
    assertNothingLeft(output);
  });
});
