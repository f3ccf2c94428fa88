/**
 * Where each field of a YAML document sits in its file, so that an issue
 * found on the parsed object (by ajv or a semantic check) can name a line.
 */
import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { type FieldPath, formatPath, type PathSegment } from './field-path.js';

export class FieldLines {
  readonly #lines = new Map<string, number>();

  /** @param documentLine the document's first line, the answer for paths found nowhere else */
  constructor(readonly documentLine: number) {}

  /** Index a parsed document's contents (yaml's Document.contents). */
  static of(contents: Node | null | undefined, documentLine: number, lineCounter: LineCounter): FieldLines {
    const lines = new FieldLines(documentLine);
    const lineAt = (offset: number) => lineCounter.linePos(offset).line;
    const walk = (node: unknown, path: PathSegment[]): void => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          const childPath = [...path, key];
          // A field's line is its key's line: for a nested map that is the line that names it.
          const range = (pair.key as Node | null)?.range ?? (pair.value as Node | null)?.range;
          if (range) lines.#set(childPath, lineAt(range[0]));
          walk(pair.value, childPath);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, index) => {
          const childPath = [...path, index];
          const range = (item as Node | null)?.range;
          if (range) lines.#set(childPath, lineAt(range[0]));
          walk(item, childPath);
        });
      }
      // Aliases are not followed: a field reached through one reports the alias's line.
    };
    walk(contents, []);
    return lines;
  }

  #set(path: FieldPath, line: number): void {
    const key = formatPath(path);
    if (!this.#lines.has(key)) this.#lines.set(key, line);
  }

  /** Whether the field was written in the file (as opposed to defaulted). */
  has(path: FieldPath): boolean {
    return this.#lines.has(formatPath(path));
  }

  /** The line of the field, else of its nearest written ancestor (a missing field reports its parent). */
  line(path: FieldPath): number {
    for (let length = path.length; length > 0; length--) {
      const line = this.#lines.get(formatPath(path.slice(0, length)));
      if (line !== undefined) return line;
    }
    return this.documentLine;
  }
}
