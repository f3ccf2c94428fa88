/**
 * curl run inside a pod (runInPod: the pod's netns and cgroup), for the echo
 * app or anything else HTTP. One invocation makes every request given, in
 * order, each its own transfer (`--next`), so curl's connection cache reuses
 * one keep-alive connection across them; `newConnection` says whether a
 * transfer opened one. Redirects are never followed: a test sees Location.
 *
 *   const [answer] = await curlInPod(bed, 'client', { url: `${echo.httpBase}/path?x=1`, headers: { 'x-a': '1' } });
 *   answer.status, answer.headers.location, answer.echo?.pod, answer.timing.totalMs
 *
 * curl 7.88 (Debian 12) fails every request after the first on a reused
 * prior-knowledge HTTP/2 connection ("Error in the HTTP2 framing layer",
 * curl issue 10634, fixed in 8.0): `http2` with several requests refuses on
 * such a curl. gRPC (grpc-echo.ts) and h2load (h2load.ts) send many requests
 * on one HTTP/2 connection.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WeftError } from '../../core/errors.js';
import { runInPod } from '../run-in-pod.js';
import type { Testbed } from '../testbed.js';
import { parseEchoAnswer, type EchoAnswer } from './echo-answer.js';

export class CurlError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_TESTBED_CURL', message);
  }
}

export interface CurlRequest {
  url: string;
  /** default GET; HEAD is sent as curl's --head */
  method?: string;
  /** a name with several values is sent as several header lines; `Host` sets :authority on HTTP/2 */
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** do not keep the body (a large one): only bodyBytes is reported */
  discardBody?: boolean;
}

export interface CurlOptions {
  /** HTTP/2 with prior knowledge (h2c); default HTTP/1.1 */
  http2?: boolean;
  /** hostname -> IP, as --resolve for every request's port: URLs may name a Service (`http://echo/`) */
  resolve?: Record<string, string>;
  /** per request (curl --max-time); default 10 s */
  requestTimeoutMs?: number;
  /** the whole invocation; default requests x requestTimeoutMs + 5 s */
  timeoutMs?: number;
}

export interface CurlResponse {
  url: string;
  /** 0 when no response came */
  status: number;
  /** '1.1', '2', or '0' with no response */
  httpVersion: string;
  /** lowercase name -> values, every response header (Location included) */
  headers: Record<string, string[]>;
  body: string;
  bodyBytes: number;
  /** the body as the echo's answer, when it is one */
  echo?: EchoAnswer;
  /** this transfer opened a connection (false: it reused the previous one) */
  newConnection: boolean;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  timing: { connectMs: number; firstByteMs: number; totalMs: number };
  /** curl's exit code for this transfer (0 ok, 7 refused, 28 timeout, 52 empty reply, 56 reset, ...) */
  exitCode: number;
  error?: string;
}

/** Opens each transfer's write-out on stdout; the JSON after it is `{"t": %{json}, "h": %{header_json}}`. */
const marker = '\n=weft-curl=';
const writeOut = `${marker}{"t":%{json},"h":%{header_json}}`;
let invocations = 0;

export async function curlInPod(bed: Testbed, pod: string, requests: CurlRequest | CurlRequest[], options: CurlOptions = {}): Promise<CurlResponse[]> {
  const list = Array.isArray(requests) ? requests : [requests];
  if (list.length === 0) throw new CurlError('no request given');
  if (options.http2 && list.length > 1 && (await curlMajorVersion(bed, pod)) < 8) {
    throw new CurlError('this curl (< 8.0) cannot send several HTTP/2 prior-knowledge requests on one connection (curl issue 10634); use one request per call, gRPC or h2load');
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const files = join(bed.runDir, `curl-${process.pid}-${++invocations}`);
  const argv = ['curl'];
  list.forEach((request, index) => {
    if (index > 0) argv.push('--next'); // --next resets every per-transfer option: each transfer sets its own
    argv.push(...transferArgs(request, options, requestTimeoutMs, `${files}-${index}`));
  });
  const timeoutMs = options.timeoutMs ?? list.length * requestTimeoutMs + 5_000;
  try {
    const result = await runInPod(bed, pod, argv, { timeoutMs });
    const transfers = result.stdout.split(marker).slice(1);
    if (transfers.length !== list.length) {
      throw new CurlError(`curl in ${pod} reported ${transfers.length} of ${list.length} transfers (exit ${result.exitCode}): ${result.stderr.trim()}`);
    }
    return transfers.map((text, index) => response(text, list[index]!, `${files}-${index}`));
  } finally {
    list.forEach((_request, index) => {
      rmSync(`${files}-${index}.body`, { force: true });
      rmSync(`${files}-${index}.sent`, { force: true });
    });
  }
}

function transferArgs(request: CurlRequest, options: CurlOptions, requestTimeoutMs: number, file: string): string[] {
  const args = ['--silent', options.http2 ? '--http2-prior-knowledge' : '--http1.1', '--max-time', String(requestTimeoutMs / 1000), '--write-out', writeOut];
  args.push('--output', request.discardBody ? '/dev/null' : `${file}.body`);
  const method = (request.method ?? 'GET').toUpperCase();
  if (method === 'HEAD') args.push('--head');
  else if (method !== 'GET' || request.body !== undefined) args.push('--request', method);
  for (const [name, values] of Object.entries(request.headers ?? {})) {
    for (const value of Array.isArray(values) ? values : [values]) args.push('--header', `${name}: ${value}`);
  }
  if (request.body !== undefined) {
    writeFileSync(`${file}.sent`, request.body);
    args.push('--data-binary', `@${file}.sent`, '--header', 'Expect:');
  }
  const url = new URL(request.url);
  const ip = options.resolve?.[url.hostname];
  if (ip) args.push('--resolve', `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}:${ip}`);
  args.push('--url', request.url);
  return args;
}

interface WriteOut {
  t: {
    url: string;
    response_code: number;
    http_version: string;
    num_connects: number;
    local_port: number;
    remote_ip: string;
    remote_port: number;
    time_connect: number;
    time_starttransfer: number;
    time_total: number;
    size_download: number;
    exitcode: number;
    errormsg: string | null;
  };
  h: Record<string, string[]>;
}

function response(text: string, request: CurlRequest, file: string): CurlResponse {
  let out: WriteOut;
  try {
    out = JSON.parse(text) as WriteOut;
  } catch (error) {
    throw new CurlError(`curl's write-out for ${request.url} is not JSON (${(error as Error).message}): ${text.slice(0, 500)}`);
  }
  const { t } = out;
  const body = request.discardBody ? '' : readIfThere(`${file}.body`); // none when no response came
  const echo = parseEchoAnswer(body);
  return {
    url: t.url,
    status: t.response_code,
    httpVersion: t.http_version,
    headers: out.h,
    body,
    bodyBytes: t.size_download,
    ...(echo ? { echo } : {}),
    newConnection: t.num_connects > 0,
    localPort: t.local_port,
    remoteAddress: t.remote_ip,
    remotePort: t.remote_port,
    timing: { connectMs: t.time_connect * 1000, firstByteMs: t.time_starttransfer * 1000, totalMs: t.time_total * 1000 },
    exitCode: t.exitcode,
    ...(t.errormsg ? { error: t.errormsg } : {}),
  };
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

let curlMajor: number | undefined;

/** curl's major version, asked once per process (in the pod: the same binary as anywhere). */
async function curlMajorVersion(bed: Testbed, pod: string): Promise<number> {
  if (curlMajor === undefined) {
    const { stdout } = await runInPod(bed, pod, ['curl', '--version'], { timeoutMs: 5_000 });
    curlMajor = Number(/^curl (\d+)\./.exec(stdout)?.[1] ?? 0);
  }
  return curlMajor;
}
