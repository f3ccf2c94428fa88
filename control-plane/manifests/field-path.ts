/**
 * Field paths as operators read them: `spec.ports[0].port`,
 * `metadata.labels["weft.dev/mesh"]`. Kept as segments until printed so
 * that line lookup and error messages agree on what a path is.
 */
export type PathSegment = string | number;
export type FieldPath = readonly PathSegment[];

const identifier = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (identifier.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * An ajv instancePath (a JSON pointer) as segments. Whether `0` is an array
 * index or a map key is decided by the data it points into, not by its look.
 */
export function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      path.push(index);
      node = node[index];
    } else {
      path.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}
