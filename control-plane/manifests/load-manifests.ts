/** Manifest texts -> LoadResult: parse each file, then check and build across all of them. */
import { buildMeshConfig } from './build-config.js';
import type { ConfigIssue } from '../../model/issues.js';
import type { ManifestObject } from './manifest-object.js';
import { parseManifestText } from './parse-manifest.js';
import type { LoadResult } from '../../model/types.js';

export interface ManifestText {
  file: string;
  text: string;
}

/** Issues in reading order: by file (in the order given), document, then line. */
export function sortIssues(issues: ConfigIssue[], fileOrder: readonly string[]): ConfigIssue[] {
  const rank = new Map(fileOrder.map((file, index) => [file, index]));
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort(
      (a, b) =>
        (rank.get(a.issue.file) ?? -1) - (rank.get(b.issue.file) ?? -1) ||
        a.issue.document - b.issue.document ||
        (a.issue.line ?? 0) - (b.issue.line ?? 0) ||
        a.index - b.index,
    )
    .map(({ issue }) => issue);
}

export function loadManifests(sources: readonly ManifestText[]): LoadResult {
  const objects: ManifestObject[] = [];
  const issues: ConfigIssue[] = [];
  for (const { file, text } of sources) {
    const parsed = parseManifestText(text, file);
    objects.push(...parsed.objects);
    issues.push(...parsed.issues);
  }
  const built = buildMeshConfig(objects);
  return {
    config: built.config,
    issues: sortIssues([...issues, ...built.issues], sources.map((source) => source.file)),
  };
}
