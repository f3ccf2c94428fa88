/**
 * The attributes an AuthorizationPolicy `when` condition can test: Istio's
 * names, minus those Weft has nothing to fill with (request.auth.* needs
 * JWT, which Weft does not verify). A condition on an unknown key would
 * never match, which for an ALLOW policy silently denies: it is an error.
 */
export type ConditionValueKind = 'string' | 'ip' | 'port';

const fixedKeys: Record<string, ConditionValueKind> = {
  'source.ip': 'ip',
  'remote.ip': 'ip',
  'source.namespace': 'string',
  'source.principal': 'string',
  'destination.ip': 'ip',
  'destination.port': 'port',
  'connection.sni': 'string',
};

/** `request.headers[x-user]`: the header's name in brackets, case-insensitive as HTTP's are. */
const headerKey = /^request\.headers\[[A-Za-z0-9!#$%&'*+\-.^_`|~]+\]$/;

export function conditionValueKind(key: string): ConditionValueKind | undefined {
  if (Object.hasOwn(fixedKeys, key)) return fixedKeys[key];
  return headerKey.test(key) ? 'string' : undefined;
}

export const conditionKeys: readonly string[] = [...Object.keys(fixedKeys), 'request.headers[<name>]'];
