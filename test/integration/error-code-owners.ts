/**
 * Who gives each WEFT_ERR_* code, read from the sources: an error class (the
 * code in its `super(...)` call or its `code` field), the native addon (a
 * "WEFT_ERR_*" string in native/src, surfaced as BpfError by native/), or a
 * file that sets one ad hoc (`new WeftError('WEFT_ERR_*', ...)`, `code:
 * 'WEFT_ERR_*'` outside a super call). A code with two owners is a bug: a
 * caller matching on it cannot tell the failures apart. Comparisons
 * (`code === 'WEFT_ERR_*'`) and tests name codes without owning them.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { sourceFiles as files } from '../source-files.js';

const codePattern = /^WEFT_ERR_[A-Z0-9_]+$/;

export interface CodeUse {
  code: string;
  /** `core/spiffe-id.ts SpiffeIdError`, `agent/app.ts (ad hoc)`, `native/src (the addon)` */
  owner: string;
  /** file:line */
  at: string;
}

const addonOwner = 'native/src (the addon)';

function enclosingClass(node: ts.Node): string | undefined {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isClassDeclaration(at) || ts.isClassExpression(at)) return at.name?.text ?? '(anonymous class)';
  }
  return undefined;
}

/** Expressions a value passes through on its way into a call or a field: `('X')`, `a ?? 'X'`, `c ? 'X' : 'Y'`, `{ code: 'X' }`. */
function carries(node: ts.Node, child: ts.Node): boolean {
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isObjectLiteralExpression(node)) return true;
  if (ts.isConditionalExpression(node)) return child !== node.condition;
  if (ts.isBinaryExpression(node)) return [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(node.operatorToken.kind);
  return false;
}

const namedCode = (name: ts.Node) => (ts.isIdentifier(name) || ts.isStringLiteral(name)) && name.text === 'code';

/** How a code literal is used: given by a class, given ad hoc, or only named (a comparison, a case label). */
function roleOf(literal: ts.Node): 'class' | 'ad hoc' | undefined {
  let at: ts.Node = literal;
  let asCodeProperty = false;
  for (let up = at.parent; up; at = up, up = up.parent) {
    if (ts.isPropertyAssignment(up) && up.initializer === at) {
      if (!namedCode(up.name)) return undefined;
      asCodeProperty = true;
      continue;
    }
    if (carries(up, at)) continue;
    // class X { readonly code = 'X' }
    if (ts.isPropertyDeclaration(up) && up.initializer === at) return namedCode(up.name) ? 'class' : undefined;
    // super('X', ...), super({ code: 'X', ... }), super(native.code ?? 'X', ...)
    if (ts.isCallExpression(up) && up.expression.kind === ts.SyntaxKind.SuperKeyword) return 'class';
    // new WeftError('X', ...), new BpfError({ code: 'X', ... })
    if (ts.isNewExpression(up)) return 'ad hoc';
    // error.code = 'X'
    if (ts.isBinaryExpression(up) && up.operatorToken.kind === ts.SyntaxKind.EqualsToken && up.right === at) {
      return ts.isPropertyAccessExpression(up.left) && up.left.name.text === 'code' ? 'ad hoc' : undefined;
    }
    // { code: 'X' } returned, thrown, assigned or handed to a call
    return asCodeProperty ? 'ad hoc' : undefined;
  }
  return asCodeProperty ? 'ad hoc' : undefined;
}

export function typeScriptCodeUses(file: string, text: string): CodeUse[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const uses: CodeUse[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && codePattern.test(node.text)) {
      const role = roleOf(node);
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const className = role === 'class' ? enclosingClass(node) : undefined;
      if (role) uses.push({ code: node.text, owner: className ? `${file} ${className}` : `${file} (ad hoc)`, at: `${file}:${line}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

/** Every "WEFT_ERR_*" string literal in the addon's C++ (ErrnoError(env, "WEFT_ERR_...", ...), error.Set("code", ...)). */
export function cppCodeUses(file: string, text: string): CodeUse[] {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
  return [...withoutComments.matchAll(/"(WEFT_ERR_[A-Z0-9_]+)"/g)].map((match) => ({
    code: match[1]!,
    owner: addonOwner,
    at: `${file}:${withoutComments.slice(0, match.index).split('\n').length}`,
  }));
}

const isSource = (name: string) => name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts');
const isCpp = (name: string) => /\.(cc|cpp|h|hpp)$/.test(name);

/** Every code use under `root` in the floors named (their TypeScript, and native/src's C++). */
export function codeUses(root: string, floors: readonly string[]): CodeUse[] {
  return floors.flatMap((floor) => [
    ...files(join(root, floor), isSource).flatMap((path) => typeScriptCodeUses(relative(root, path), readFileSync(path, 'utf8'))),
    ...(floor === 'native' ? files(join(root, 'native', 'src'), isCpp).flatMap((path) => cppCodeUses(relative(root, path), readFileSync(path, 'utf8'))) : []),
  ]);
}

/** code -> owner -> where; the codes with more than one owner are the bugs. */
export function ownersByCode(uses: readonly CodeUse[]): Map<string, Map<string, string[]>> {
  const owners = new Map<string, Map<string, string[]>>();
  for (const use of uses) {
    const byOwner = owners.get(use.code) ?? new Map<string, string[]>();
    byOwner.set(use.owner, [...(byOwner.get(use.owner) ?? []), use.at]);
    owners.set(use.code, byOwner);
  }
  return owners;
}

export function sharedCodes(uses: readonly CodeUse[]): Array<[code: string, owners: string[]]> {
  return [...ownersByCode(uses)]
    .filter(([, byOwner]) => byOwner.size > 1)
    .map(([code, byOwner]) => [code, [...byOwner].map(([owner, at]) => `${owner} (${at.join(', ')})`)]);
}
