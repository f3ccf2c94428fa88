/**
 * Mapped API objects -> one LoadResult, through the same two steps as a
 * manifest directory: parseManifestText per object (schema, defaults,
 * per-document checks), then buildMeshConfig across all of them. So both
 * sources produce one model and report the same errors.
 *
 * Each object is handed to the parser as its own one-document "file"
 * named after the API object, written as JSON (a subset of YAML, and the
 * exact text of the object: no quoting rules to get wrong). Parses are
 * cached by that text: a rebuild re-parses only the objects that changed.
 * Lines in issues would point into that text, so they are dropped, and
 * manifest paths are rewritten to the API object's (spec.ip -> status.podIP).
 * Routes keep their API object's creationTimestamp (kubernetes-route-age.ts).
 */
import { buildMeshConfig, type ConfigIssue, type LoadResult, type ManifestObject, parseManifestText } from '../manifests/index.js';
import { type MappedObject, SOURCE_PREFIX } from './kubernetes-mapped-object.js';
import { withRouteAges } from './kubernetes-route-age.js';

interface Parsed {
  text: string;
  objects: ManifestObject[];
  issues: ConfigIssue[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class KubernetesConfigBuilder {
  readonly #parsed = new Map<string, Parsed>();

  #parse(mapped: MappedObject): Parsed {
    const text = JSON.stringify(mapped.manifest);
    const cached = this.#parsed.get(mapped.file);
    if (cached?.text === text) return cached;
    const result = parseManifestText(text, mapped.file);
    const parsed: Parsed = {
      text,
      // An API object has no line; "kubernetes:Pod/shop/a [doc 0]" is where it is.
      objects: result.objects.map((object) => ({ ...object, source: { file: mapped.file, document: 0 } }) as ManifestObject),
      issues: result.issues,
    };
    this.#parsed.set(mapped.file, parsed);
    return parsed;
  }

  build(mapped: readonly MappedObject[]): LoadResult {
    // Oldest first: of two objects claiming one address or name, the one that had it keeps it.
    const ordered = [...mapped].sort((a, b) => compare(a.created, b.created) || compare(a.file, b.file));
    const objects: ManifestObject[] = [];
    const issues: ConfigIssue[] = [];
    const apiPaths = new Map<string, (path: string) => string>();
    for (const object of ordered) {
      const parsed = this.#parse(object);
      objects.push(...parsed.objects);
      issues.push(...(object.issues ?? []), ...parsed.issues);
      if (object.apiPath) apiPaths.set(object.file, object.apiPath);
    }
    const current = new Set(ordered.map((object) => object.file));
    for (const file of this.#parsed.keys()) if (!current.has(file)) this.#parsed.delete(file);

    const built = buildMeshConfig(objects);
    const config = withRouteAges(built.config, new Map(ordered.map((object) => [object.file, object.created])));
    const toApi = (issue: ConfigIssue): ConfigIssue => {
      if (!issue.file.startsWith(SOURCE_PREFIX)) return issue;
      const { line: _line, ...rest } = issue;
      const apiPath = apiPaths.get(issue.file);
      return apiPath ? { ...rest, path: apiPath(issue.path) } : rest;
    };
    const all = [...issues, ...built.issues].map(toApi);
    // By object, then as found; sort() is stable.
    all.sort((a, b) => compare(a.file, b.file));
    return { config, issues: all };
  }
}
