/**
 * The one normalisation of a request target: authorization checks the path
 * it returns and the proxy forwards that same path, so a backend can never
 * be handed a path the check read differently (`/admin` as `//admin`,
 * `/%61dmin`, `/x/../admin`). This is Istio's DECODE_AND_MERGE_SLASHES,
 * i.e. Envoy's normalize_path + merge_slashes with
 * path_with_escaped_slashes_action UNESCAPE_AND_FORWARD, done in Envoy's
 * order: escapes, then dot segments, then repeated slashes (so `/a//../b`
 * is `/a/b`, as Envoy's canonicaliser makes it). REJECT_ENCODED_SLASHES
 * refuses %2F and %5C instead, for backends that give them a meaning.
 */
export const pathNormalizations = ['DECODE_AND_MERGE_SLASHES', 'REJECT_ENCODED_SLASHES'] as const;
export type PathNormalization = (typeof pathNormalizations)[number];

export const defaultPathNormalization: PathNormalization = 'DECODE_AND_MERGE_SLASHES';

export type NormalizedTarget =
  | { ok: true; path: string; /** after '?', '' if none, as received */ query: string }
  | { ok: false; status: 400; reason: string };

const unreserved = /^[A-Za-z0-9\-._~]$/;
const hex = /^[0-9A-Fa-f]{2}$/;
const absoluteForm = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]*/;

const bad = (reason: string): NormalizedTarget => ({ ok: false, status: 400, reason });

/** One pass, so `%252F` stays `%252F`: a decoded '%' never starts another escape. */
function decode(path: string, mode: PathNormalization): string | NormalizedTarget {
  let out = '';
  for (let index = 0; index < path.length; index++) {
    const char = path[index];
    if (char === '\\') {
      out += '/';
      continue;
    }
    if (char !== '%') {
      out += char;
      continue;
    }
    const digits = path.slice(index + 1, index + 3);
    if (!hex.test(digits)) return bad(`malformed percent-encoding ${JSON.stringify(path.slice(index, index + 3))} in the path`);
    index += 2;
    const decoded = String.fromCharCode(parseInt(digits, 16));
    if (decoded === '/' || decoded === '\\') {
      if (mode === 'REJECT_ENCODED_SLASHES') return bad(`encoded slash %${digits.toUpperCase()} in the path`);
      out += '/';
    } else if (unreserved.test(decoded)) out += decoded;
    else out += `%${digits.toUpperCase()}`;
  }
  return out;
}

/** RFC 3986 §5.2.4 on a path that starts with '/': `.` and `..` never climb above the root. */
function removeDotSegments(path: string): string {
  const segments = path.split('/').slice(1);
  const out: string[] = [];
  segments.forEach((segment, index) => {
    if (segment !== '.' && segment !== '..') {
      out.push(segment);
      return;
    }
    if (segment === '..') out.pop();
    // `/a/.` and `/a/b/..` name a directory: the trailing slash stays.
    if (index === segments.length - 1) out.push('');
  });
  return `/${out.join('/')}`;
}

export function normalizeRequestTarget(target: string, mode: PathNormalization): NormalizedTarget {
  // OPTIONS * (asterisk-form) names the server, not a path.
  if (target === '*') return { ok: true, path: '*', query: '' };
  const hash = target.indexOf('#');
  let rest = hash < 0 ? target : target.slice(0, hash);
  // Absolute-form (`http://host/p?q`), as sent to proxies: the authority is the Host's business.
  const authority = absoluteForm.exec(rest);
  if (authority) rest = rest.slice(authority[0].length) || '/';
  if (rest.startsWith('?')) rest = `/${rest}`;
  const question = rest.indexOf('?');
  const rawPath = question < 0 ? rest : rest.slice(0, question);
  const query = question < 0 ? '' : rest.slice(question + 1);
  if (!rawPath.startsWith('/')) return bad(`the request target must start with '/' (got ${JSON.stringify(target.slice(0, 64))})`);
  const decoded = decode(rawPath, mode);
  if (typeof decoded !== 'string') return decoded;
  return { ok: true, path: removeDotSegments(decoded).replace(/\/{2,}/g, '/'), query };
}
