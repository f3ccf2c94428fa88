/**
 * Query parameters for HTTPQueryParamMatch: names are matched exactly, as
 * the spec says, and of a repeated parameter the first value counts (what
 * the spec recommends; it leaves repeats undefined). The platform's
 * URLSearchParams splits and decodes (percent-escapes, and '+' as a space,
 * the form encoding query strings use), so `?q=a%20b` matches value `a b`.
 */
export function firstQueryValues(query: string): ReadonlyMap<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(query)) if (!values.has(name)) values.set(name, value);
  return values;
}
