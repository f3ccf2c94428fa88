import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const logModule = fileURLToPath(new URL('./log.js', import.meta.url));

/** Runs a snippet in a child process with `logger` imported; returns each stdout line with when it arrived. */
function run(snippet: string, timeoutMs = 10_000): Promise<{ code: number | null; lines: Array<{ record: Record<string, unknown>; atMs: number }> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const source = `import { logger } from ${JSON.stringify(logModule)};\nconst log = logger('test');\n${snippet}`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: Array<{ record: Record<string, unknown>; atMs: number }> = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) lines.push({ record: JSON.parse(line) as Record<string, unknown>, atMs: Date.now() - started });
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, lines });
    });
  });
}

describe('agent logs', () => {
  it('a line logged by an otherwise idle process reaches stdout within a few hundred ms, not at exit', async () => {
    const { code, lines } = await run(`log.info({ n: 1 }, 'idle line'); setTimeout(() => log.info('last'), 1500);`);
    assert.equal(code, 0);
    assert.deepEqual(lines.map((l) => l.record.msg), ['idle line', 'last']);
    // The first line must not wait for the second (1.5 s later) or for the exit.
    assert.ok(lines[1]!.atMs - lines[0]!.atMs > 1000, `the idle line arrived ${lines[0]!.atMs} ms in, the last ${lines[1]!.atMs} ms in`);
  });

  it('nothing is lost when the process exits right after logging, or after a burst larger than the batch', async () => {
    const { code, lines } = await run(`for (let i = 0; i < 5000; i++) log.info({ i }, 'burst'); log.warn('final'); process.exit(3);`);
    assert.equal(code, 3);
    assert.equal(lines.length, 5001);
    assert.deepEqual(lines.slice(0, 5000).map((l) => l.record.i), [...Array(5000).keys()]);
    assert.equal(lines[5000]!.record.msg, 'final');
    assert.equal(lines[5000]!.record.component, 'test');
  });
});
