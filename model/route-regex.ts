/**
 * The one way a route's RegularExpression match becomes a RegExp, used both
 * to validate manifests and by the proxy to match: a pattern that passed
 * validation compiles the same way where it runs. JavaScript syntax with
 * the `u` flag, matched against the whole value (as Envoy's safe_regex
 * does), so "/api/.*" does not match "/x/api/y".
 */
export function compileRouteRegex(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

/** Why `pattern` does not compile, if it does not. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'u'); // alone first: "a)|(b" must not pass by balancing the wrapper's parentheses
    compileRouteRegex(pattern);
    return undefined;
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
}
