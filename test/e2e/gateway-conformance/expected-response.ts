/**
 * What a conformance case expects of one HTTP exchange, checked more
 * strictly than upstream's compareRequest: besides the status and headers,
 * the exact pod and namespace that answered (or that none did: a redirect
 * or a no-route 404 is the proxy's own answer), the path with its query as
 * the backend saw it, the Host it saw, and the exact Location header.
 */
import type { CurlResponse } from '../../../testbed/echo/curl.js';
import { meshNamespace } from './conformance-manifests.js';
import type { MeshRequest } from './conformance-mesh.js';

export interface ExpectedResponse {
  /** default 200 */
  status?: number;
  /** the pod that answered (or one of these); absent: no backend may have answered (the proxy did) */
  backend?: string | string[];
  /** the answering echo's namespace; default gateway-conformance-mesh */
  namespace?: string;
  /** the path with query the backend saw; default the request's own */
  path?: string;
  /** the Host (HTTP/2: :authority) the backend saw */
  host?: string;
  /** request headers the backend saw, values joined with ',' as upstream compares them */
  requestHeaders?: Record<string, string>;
  absentRequestHeaders?: string[];
  responseHeaders?: Record<string, string>;
  absentResponseHeaders?: string[];
  /** the exact Location header (redirects) */
  location?: string;
}

const joined = (values: readonly string[] | undefined) => values?.join(',');

export function responseProblems(request: MeshRequest, expected: ExpectedResponse, response: CurlResponse): string[] {
  const problems: string[] = [];
  const want = (what: string, actual: unknown, wanted: unknown) => {
    if (actual !== wanted) problems.push(`${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(wanted)}`);
  };
  if (response.exitCode !== 0) problems.push(`curl failed (exit ${response.exitCode}): ${response.error ?? ''}`);
  want('status', response.status, expected.status ?? 200);
  const echo = response.echo;
  if (expected.backend === undefined) {
    if (echo) problems.push(`a backend answered (${echo.namespace}/${echo.pod}); the proxy should have`);
  } else if (!echo) {
    problems.push(`no echo answer; body: ${response.body.slice(0, 200)}`);
  } else {
    const backends = Array.isArray(expected.backend) ? expected.backend : [expected.backend];
    if (!backends.includes(echo.pod)) problems.push(`answering pod: got ${echo.pod}, want ${backends.join(' or ')}`);
    want('answering namespace', echo.namespace, expected.namespace ?? meshNamespace);
    want('path the backend saw', echo.path, expected.path ?? request.path ?? '/');
    if (request.method) want('method the backend saw', echo.method, request.method);
    if (expected.host !== undefined) want('host the backend saw', echo.host, expected.host);
    for (const [name, value] of Object.entries(expected.requestHeaders ?? {})) want(`request header ${name} the backend saw`, joined(echo.headers[name.toLowerCase()]), value);
    for (const name of expected.absentRequestHeaders ?? []) want(`request header ${name} the backend saw`, joined(echo.headers[name.toLowerCase()]), undefined);
  }
  for (const [name, value] of Object.entries(expected.responseHeaders ?? {})) want(`response header ${name}`, joined(response.headers[name.toLowerCase()]), value);
  for (const name of expected.absentResponseHeaders ?? []) want(`response header ${name}`, joined(response.headers[name.toLowerCase()]), undefined);
  if (expected.location !== undefined) want('Location', joined(response.headers['location']), expected.location);
  return problems;
}
