/**
 * `weft demo` as a user runs it: the whole mesh comes up, a request goes
 * through the redirect to both reviews versions, and nothing of the run is
 * left afterwards, whether it ends by itself or by Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { installRoot } from '../../agent/paths.js';
import { prefixesPresent } from '../testbed/teardown.js';

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

function prefixIn(output: string): string {
  const prefix = /run prefix (weft-d[0-9a-f]{6})/.exec(output)?.[1];
  assert.ok(prefix, `no run prefix in the demo output:\n${output}`);
  return prefix;
}

describe('weft demo', { timeout: 200_000 }, () => {
  test('--once: a request reaches both reviews versions through the node proxy, then everything is removed', async () => {
    const { code, output } = await runDemo(['--once']);
    assert.equal(code, 0, output);
    assert.match(output, /"version":"v1","pod":"reviews-v1-0","peer":"10\.10\.0\.1"/);
    // Cross-node: through the tunnel, the last hop is node-2's inbound proxy.
    assert.match(output, /"version":"v2","pod":"reviews-v2-0","peer":"10\.10\.0\.2"/);
    assert.match(output, /"frontend":"frontend-0".*"reviews":\{"service":"reviews"/);
    assert.match(output, /done: nothing left behind/);
    assert.equal(prefixesPresent().includes(prefixIn(output)), false);
  });

  test('Ctrl-C during the traffic loop removes everything', async () => {
    let interrupted = false;
    const { code, output } = await runDemo(['--interval', '200'], (text, child) => {
      if (!interrupted && /10 requests, 0 failed/.test(text)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    assert.ok(interrupted, `the demo never reported 10 good requests:\n${output}`);
    assert.equal(code, 130, output);
    assert.match(output, /stopping: removing the demo mesh/);
    assert.equal(prefixesPresent().includes(prefixIn(output)), false);
  });
});
