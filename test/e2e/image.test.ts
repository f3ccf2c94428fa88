/**
 * The container image, as scripts/image-check.sh verifies it (`npm run image:check`): built
 * by podman from the Dockerfile, no build tools in it, `weft check` and a non-root control
 * plane from its filesystem, and the data-path end-to-end test passing with every agent
 * run from it. Then nothing of the check's run is left: no mount, no container, no files.
 * A cold run (no base image, no layer cache) takes 2.5 to 4 minutes on 2 cores, a warm one
 * about 1; the budget below allows for a loaded machine.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { installRoot } from '../../core/paths.js';

const budgetMs = 12 * 60_000;

function runImageCheck(): Promise<{ code: number | null; output: string }> {
  // The check runs the suite's runner itself: it must not think it is a child of this one.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawn('bash', [join(installRoot, 'scripts', 'image-check.sh')], {
    cwd: installRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // SIGTERM first: the script then stops its test and removes what it made.
  const timer = setTimeout(() => child.kill('SIGTERM'), budgetMs - 60_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

test('the image builds with podman, holds no build tools, and its agents pass the data-path end-to-end test', { timeout: budgetMs }, async (t) => {
  const { code, output } = await runImageCheck();
  const tail = output.split('\n').slice(-60).join('\n');
  assert.equal(code, 0, tail);
  const prefix = /weft image-check: run (weft-i[0-9a-f]{6})/.exec(output)?.[1];
  assert.ok(prefix, 'the check names its run');

  assert.match(output, /no compiler, make, cmake, bpftool or -dev package in the image/);
  assert.match(output, /Weft can run here\./);
  assert.match(output, /ready as uid 65532, CapEff 0000000000000000/);
  // The runner's summary: TAP's `# pass` (Node 20 when piped) or the spec reporter's `ℹ pass` (Node 24's default).
  assert.match(output, /^(?:#|ℹ) pass [1-9]\d*\n(?:#|ℹ) fail 0$/m);
  const agents = /(\d+) agent processes ran from the image's filesystem, none from the host's/.exec(output);
  // node-1, node-2, and node-1 again after its SIGKILL
  assert.ok(agents && Number(agents[1]) >= 3, tail);
  for (const line of output.split('\n').filter((l) => /passed\.|^\s+\S.*\d+s$/.test(l))) t.diagnostic(line.trim());

  assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(prefix), false, 'a mount of the run is left');
  const containers = execFileSync('podman', ['ps', '--all', '--format', '{{.Names}}'], { encoding: 'utf8' });
  assert.equal(containers.includes(prefix), false, 'a container of the run is left');
  assert.equal(existsSync(join('/tmp', prefix)), false);
  assert.equal(existsSync(join('/var/tmp', `${prefix}-rootfs`)), false);
});
