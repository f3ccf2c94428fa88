/**
 * The floors of the tree (README "Layout", ../shared/LAYOUT.md) and the imports each may make,
 * read from the sources' syntax: static imports, `export ... from`, dynamic `import()` and
 * `new URL('./x.js', import.meta.url)` (how a file names a program to spawn). A production file
 * that reaches a floor it may not is a violation; tests and their fixtures (`*.test.ts`,
 * `testing/`) may reach across, since they drive both sides.
 */
import { readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';
import { sourceFiles } from '../source-files.js';

/** Each floor and the floors it may import (itself always). Folders not named here are not floors. */
export const floorRules: Readonly<Record<string, readonly string[]>> = {
  core: [],
  native: ['core'],
  model: ['core'],
  api: ['model', 'core', 'proto'],
  agent: ['api', 'model', 'native', 'core', 'proto'],
  'control-plane': ['api', 'model', 'core', 'proto'],
  cli: ['agent', 'control-plane', 'api', 'model', 'native', 'core', 'testbed', 'proto'],
  testbed: ['agent', 'control-plane', 'api', 'model', 'native', 'core', 'proto'],
  bench: ['testbed', 'agent', 'control-plane', 'api', 'model', 'native', 'core', 'proto'],
};

export interface Violation {
  /** repo-relative file:line */
  at: string;
  from: string;
  to: string;
  specifier: string;
}

function isProduction(file: string): boolean {
  return !file.endsWith('.test.ts') && !file.split(sep).includes('testing') && !file.endsWith('.d.ts');
}

/** Every relative module a file names, with its line. */
export function relativeSpecifiers(text: string, fileName: string): Array<{ specifier: string; line: number }> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: Array<{ specifier: string; line: number }> = [];
  const add = (node: ts.Node, literal: ts.Node | undefined) => {
    if (literal && ts.isStringLiteralLike(literal) && literal.text.startsWith('.')) {
      found.push({ specifier: literal.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0]);
    else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL' && node.arguments?.[1]?.getText(source) === 'import.meta.url') {
      add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The production files of `root` whose imports leave their floor's allowance. */
export function floorViolations(root: string, rules: Readonly<Record<string, readonly string[]>> = floorRules): Violation[] {
  const violations: Violation[] = [];
  for (const floor of Object.keys(rules)) {
    for (const file of sourceFiles(join(root, floor), (name) => name.endsWith('.ts')).filter(isProduction)) {
      const fileRel = relative(root, file).split(sep).join(posix.sep);
      for (const { specifier, line } of relativeSpecifiers(readFileSync(file, 'utf8'), file)) {
        const target = posix.normalize(posix.join(posix.dirname(fileRel), specifier));
        const to = target.split('/')[0] ?? '';
        if (to === floor || to === '..' || to === '.' || !(to in rules || to === 'test' || to === 'proto')) continue;
        if (!rules[floor]!.includes(to)) violations.push({ at: `${fileRel}:${line}`, from: floor, to, specifier });
      }
    }
  }
  return violations;
}

export function describeViolation(v: Violation): string {
  return `${v.at}: ${v.from}/ imports ${v.to}/ ('${v.specifier}'), which ${v.from}/ may not`;
}

