/**
 * Istio's string match for AuthorizationPolicy values (pilot's
 * matcher.StringMatcher and HostMatcher): `*` alone means present and
 * non-empty, a leading `*` a suffix, a trailing `*` a prefix, anything else
 * the whole value. An absent value matches no pattern, so `principals:
 * ["*"]` refuses a plaintext caller and `notPrincipals: ["*"]` takes it.
 */
export type ValueTest = (value: string | undefined) => boolean;

export function compileStringMatch(pattern: string, options: { ignoreCase?: boolean } = {}): ValueTest {
  const fold = options.ignoreCase ? (text: string) => text.toLowerCase() : (text: string) => text;
  const wanted = fold(pattern);
  // `*` first: as a prefix or suffix it would leave an empty, always-true remainder.
  if (wanted === '*') return (value) => value !== undefined && value !== '';
  if (wanted.startsWith('*')) {
    const suffix = wanted.slice(1);
    return (value) => value !== undefined && fold(value).endsWith(suffix);
  }
  if (wanted.endsWith('*')) {
    const prefix = wanted.slice(0, -1);
    return (value) => value !== undefined && fold(value).startsWith(prefix);
  }
  return (value) => value !== undefined && fold(value) === wanted;
}

/** One test for a list of patterns: any of them matches. */
export function compileAnyOf(patterns: readonly string[], options: { ignoreCase?: boolean } = {}): ValueTest {
  const tests = patterns.map((pattern) => compileStringMatch(pattern, options));
  return (value) => tests.some((test) => test(value));
}
