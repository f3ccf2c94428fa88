/**
 * `weft demo` on a real terminal: run under a pseudo-terminal (util-linux
 * `script`), it must reach its live view (a `weft top` row for frontend or
 * reviews with requests flowing), and Ctrl-C typed into the terminal (the
 * 0x03 byte, turned into SIGINT for the whole foreground process group by
 * the terminal driver) must remove every namespace, cgroup, pin and process
 * of the run and give the cursor back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { installRoot } from '../../core/paths.js';
import { sweepPrefix } from '../../testbed/teardown.js';
import { leftovers, prefixIn, topRows } from './demo-output.js';

const liveViewWithinMs = 120_000;
const exitWithinMs = 60_000;
const hideCursor = '\u001b[?25l';
const showCursor = '\u001b[?25h';

test('weft demo under a pseudo-terminal reaches its live view; Ctrl-C removes everything', { timeout: liveViewWithinMs + exitWithinMs + 30_000 }, async () => {
  // A pty made by `script` with no terminal on its stdin has no size: give it one, as a terminal window would.
  const command = `stty rows 50 cols 180; exec ${process.execPath} ${join(installRoot, 'bin', 'weft.js')} demo --duration 600`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, TERM: process.env.TERM || 'xterm-256color' },
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let sawLiveView: (() => void) | undefined;
  const liveView = new Promise<void>((resolve) => (sawLiveView = resolve));
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (topRows(output).some((row) => (row.name === 'frontend' || row.name === 'reviews') && row.rps > 0)) sawLiveView?.();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let timer: NodeJS.Timeout | undefined;
  const reached = await Promise.race([
    liveView.then(() => 'live view'),
    exited.then((code) => `exited early with ${code}`),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timed out'), liveViewWithinMs))),
  ]);
  clearTimeout(timer);

  child.stdin.write('\x03'); // Ctrl-C, typed into the terminal
  const code = await Promise.race([exited, new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), exitWithinMs)))]);
  clearTimeout(timer);
  if (code === 'hung') child.kill('SIGKILL'); // the pty closes: the demo gets SIGHUP and tears down
  child.stdin.end();

  const prefix = prefixIn(output);
  const left = leftovers(prefix);
  if (left.length > 0) sweepPrefix(prefix);

  assert.equal(reached, 'live view', `no top row with requests for frontend or reviews:\n${output.slice(-4000)}`);
  assert.equal(code, 130, output.slice(-2000));
  assert.match(output, /stopping: removing the demo mesh/);
  assert.deepEqual(left, [], `Ctrl-C left part of ${prefix} behind`);
  assert.ok(output.lastIndexOf(showCursor) > output.lastIndexOf(hideCursor), 'the cursor is still hidden after the demo');
});
