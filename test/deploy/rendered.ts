/**
 * deploy/ as a cluster would receive it: `kubectl kustomize` renders a
 * kustomization into objects. As root the render runs in a fresh network
 * namespace with no interfaces (`unshare --net`), which proves it needs no
 * network. `kubectl` is the one on PATH (scripts/setup.sh installs
 * Debian's kubernetes-client when there is none).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { installRoot } from '../../core/paths.js';

export const deployDir = join(installRoot, 'deploy');
export const examplesDir = join(deployDir, 'examples');

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: any;
}

export function parseObjects(text: string, where: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${where} [doc ${index}]: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as KubeObject | null;
    return value === null ? [] : [value];
  });
}

/** `kubectl kustomize <dir>` (dir relative to deploy/), offline, parsed. */
export function render(dir = '.', kubectl = 'kubectl'): KubeObject[] {
  const argv = [kubectl, 'kustomize', join(deployDir, dir)];
  const offline = process.getuid?.() === 0 ? ['unshare', '--net', '--', ...argv] : argv;
  const text = execFileSync(offline[0]!, offline.slice(1), { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return parseObjects(text, `kubectl kustomize ${dir}`);
}

/** The examples, one object a file: file name -> object. */
export function examples(): Map<string, KubeObject> {
  const found = new Map<string, KubeObject>();
  for (const file of readdirSync(examplesDir).filter((name) => name.endsWith('.yaml')).sort()) {
    const objects = parseObjects(readFileSync(join(examplesDir, file), 'utf8'), file);
    if (objects.length !== 1) throw new Error(`deploy/examples/${file}: one object a file, found ${objects.length}`);
    found.set(file, objects[0]!);
  }
  return found;
}

export function findObject(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

/** A container's `--flag=value` arguments (the form the manifests use), flag -> values. */
export function flagValues(args: readonly string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (const arg of args) {
    const match = /^(--[a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) continue;
    flags.set(match[1]!, [...(flags.get(match[1]!) ?? []), match[2] ?? '']);
  }
  return flags;
}

export function flag(args: readonly string[], name: string): string {
  const values = flagValues(args).get(name);
  if (!values || values.length !== 1) throw new Error(`expected exactly one ${name}=… in ${args.join(' ')}`);
  return values[0]!;
}
