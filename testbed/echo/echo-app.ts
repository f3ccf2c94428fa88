/**
 * The test side of the echo app: starts echo-server.js in a pod (its netns
 * and cgroup) and waits until every port listens.
 *
 *   const echo = await startEcho(bed, 'echo-v1', { version: 'v1' });   // http 8080, grpc 7070, tcp 9090
 *   echo.ip, echo.ports.http[0]; await echo.stop();
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeftError } from '../../core/errors.js';
import type { Testbed } from '../testbed.js';
import type { EchoAnswer } from './echo-answer.js';

export class EchoStartError extends WeftError {
  constructor(pod: string, cause: Error) {
    super('WEFT_ERR_TESTBED_ECHO_START', `the echo in pod ${pod} did not start: ${cause.message}`, { cause });
  }
}

export interface EchoOptions {
  /** the service version it reports (default v1) */
  version?: string;
  /** the namespace it reports (default 'default') */
  namespace?: string;
  /** ports, 0 for any; [] for none. Defaults: the conformance echo's 8080, 7070, 9090 */
  http?: number[];
  grpc?: number[];
  tcp?: number[];
  /** print every answer as a log line, for requests() and waitForRequest() */
  logRequests?: boolean;
}

export interface EchoPorts {
  http: number[];
  grpc: number[];
  tcp: number[];
}

const echoScript = fileURLToPath(new URL('./echo-server.js', import.meta.url));
const startTimeoutMs = 10_000;
const stopGraceMs = 2_000;

export class EchoApp {
  constructor(
    readonly bed: Testbed,
    readonly pod: string,
    readonly version: string,
    readonly child: ChildProcess,
    readonly ports: EchoPorts,
  ) {}

  get ip(): string {
    return this.bed.pod(this.pod).ip;
  }

  /** `http://<pod ip>:<first http port>` */
  get httpBase(): string {
    return `http://${this.ip}:${this.ports.http[0]}`;
  }

  /** `<pod ip>:<first grpc port>` */
  get grpcTarget(): string {
    return `${this.ip}:${this.ports.grpc[0]}`;
  }

  /** Every answer so far, failures included (needs logRequests). */
  requests(): EchoAnswer[] {
    return this.bed.readLogLines(this.child).filter((line) => line.msg === 'request') as unknown as EchoAnswer[];
  }

  /** The first answer, past or future, that matches (needs logRequests). */
  async waitForRequest(predicate: (answer: EchoAnswer) => boolean, timeoutMs: number): Promise<EchoAnswer> {
    return (await this.bed.waitForLog(this.child, (line) => line.msg === 'request' && predicate(line as unknown as EchoAnswer), timeoutMs)) as unknown as EchoAnswer;
  }

  /** SIGTERM, then SIGKILL after a short grace. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), stopGraceMs);
    await closed;
    clearTimeout(timer);
  }
}

export async function startEcho(bed: Testbed, pod: string, options: EchoOptions = {}): Promise<EchoApp> {
  const version = options.version ?? 'v1';
  const argv = [process.execPath, echoScript, '--pod', pod, '--namespace', options.namespace ?? 'default', '--version', version, '--run', bed.prefix];
  for (const [flag, ports] of [['--http', options.http ?? [8080]], ['--grpc', options.grpc ?? [7070]], ['--tcp', options.tcp ?? [9090]]] as const) {
    for (const port of ports) argv.push(flag, String(port));
  }
  if (options.logRequests) argv.push('--log-requests');
  const child = bed.spawnInPod(pod, argv, { logFile: join(bed.runDir, `echo-${pod}-${version}-${Date.now()}.log`) });
  try {
    const ready = await bed.waitForLog(child, (line) => line.msg === 'echo ready' || line.msg === 'echo failed', startTimeoutMs);
    if (ready.msg === 'echo failed') throw new Error(String(ready.error));
    return new EchoApp(bed, pod, version, child, { http: ready.http, grpc: ready.grpc, tcp: ready.tcp });
  } catch (error) {
    child.kill('SIGKILL');
    throw new EchoStartError(pod, error as Error);
  }
}
