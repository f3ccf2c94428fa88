/** The floors hold: no production file imports a floor above it or beside it (agent <-> control-plane), or test/. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { installRoot } from '../../core/paths.js';
import { describeViolation, floorViolations, relativeSpecifiers } from './floors.js';

test('no production file imports across the floors: agent and control-plane never each other, the floors below neither, nothing test/', () => {
  const violations = floorViolations(installRoot);
  assert.deepEqual(violations.map(describeViolation), []);
});

test('the scan sees every way a file names another: import, import type, export from, import(), new URL(.., import.meta.url)', () => {
  const text = [
    "import { a } from '../x/a.js';",
    "import type { B } from './b.js';",
    "export { c } from '../../c.js';",
    "const d = await import('./d.js');",
    "const e = new URL('./e.js', import.meta.url);",
    "import { f } from 'node:fs';",
  ].join('\n');
  assert.deepEqual(
    relativeSpecifiers(text, 'x.ts').map((s) => `${s.line}:${s.specifier}`),
    ['1:../x/a.js', '2:./b.js', '3:../../c.js', '4:./d.js', '5:./e.js'],
  );
});

test('a planted crossing is reported with its file and line; the same import in a test file is not', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'weft-floors-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of ['agent/proxy', 'control-plane/server', 'core', 'test/e2e']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'control-plane/server/x.ts'), "export const x = 1;\n");
  writeFileSync(join(root, 'agent/proxy/bad.ts'), "import { log } from '../../core/log.js';\nimport { x } from '../../control-plane/server/x.js';\n");
  writeFileSync(join(root, 'agent/proxy/bad.test.ts'), "import { x } from '../../control-plane/server/x.js';\n");
  writeFileSync(join(root, 'core/up.ts'), "import type { P } from '../agent/proxy/bad.js';\nimport { t } from '../test/e2e/t.js';\n");
  assert.deepEqual(floorViolations(root).map(describeViolation), [
    "core/up.ts:1: core/ imports agent/ ('../agent/proxy/bad.js'), which core/ may not",
    "core/up.ts:2: core/ imports test/ ('../test/e2e/t.js'), which core/ may not",
    "agent/proxy/bad.ts:2: agent/ imports control-plane/ ('../../control-plane/server/x.js'), which agent/ may not",
  ]);
});
