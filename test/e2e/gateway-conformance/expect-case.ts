/**
 * A conformance case run the way upstream runs one (request, then compare,
 * eventually consistent), on HTTP/1.1 and again on h2c with prior
 * knowledge: the proxy terminates both on an HTTP Service port, and routing
 * must not depend on which one carried the request.
 */
import type { CurlResponse } from '../../../testbed/echo/curl.js';
import type { ConformanceMesh, MeshRequest } from './conformance-mesh.js';
import { eventually } from './eventually.js';
import { responseProblems, type ExpectedResponse } from './expected-response.js';

export type Case = [MeshRequest, ExpectedResponse];

const describeRequest = (request: MeshRequest) =>
  `${request.http2 ? 'h2c ' : ''}${request.method ?? 'GET'} http://${request.host ?? 'echo'}${request.path ?? '/'}${request.headers ? ` ${JSON.stringify(request.headers)}` : ''}`;

export function expectResponse(mesh: ConformanceMesh, request: MeshRequest, expected: ExpectedResponse): Promise<CurlResponse> {
  return eventually(describeRequest(request), () => mesh.curl(request), (response) => responseProblems(request, expected, response));
}

/** Every case on HTTP/1.1, then every case on h2c. */
export async function expectCases(mesh: ConformanceMesh, cases: Case[], options: { http2?: boolean } = {}): Promise<void> {
  for (const [request, expected] of cases) await expectResponse(mesh, request, expected);
  if (options.http2 === false) return;
  for (const [request, expected] of cases) await expectResponse(mesh, { ...request, http2: true }, expected);
}
