/**
 * gRPC calls to the echo from inside a pod: runs grpc-echo-client.js there
 * (the pod's netns and cgroup) and returns its report.
 *
 *   const report = await grpcEchoInPod(bed, 'client', { target: echo.grpcTarget, call: 'unary', count: 20, metadata: { 'x-a': '1' } });
 *   report.calls[0].code, report.calls[0].trailers['x-echo-pod'], report.byPod
 */
import { fileURLToPath } from 'node:url';
import { WeftError } from '../../core/errors.js';
import { parseLogLine } from '../log-capture.js';
import { runInPod } from '../run-in-pod.js';
import type { Testbed } from '../testbed.js';
import { defaultDeadlineMs, type GrpcEchoPlan, type GrpcEchoReport } from './grpc-echo-plan.js';

export type { GrpcCallKind, GrpcCallResult, GrpcEchoPlan, GrpcEchoReport } from './grpc-echo-plan.js';

export class GrpcEchoClientError extends WeftError {
  constructor(message: string) {
    super('WEFT_ERR_TESTBED_GRPC_CLIENT', message);
  }
}

const clientScript = fileURLToPath(new URL('./grpc-echo-client.js', import.meta.url));

export async function grpcEchoInPod(bed: Testbed, pod: string, plan: GrpcEchoPlan): Promise<GrpcEchoReport> {
  const calls = plan.call === 'unary' ? (plan.count ?? 1) : 1;
  const timeoutMs = (plan.deadlineMs ?? defaultDeadlineMs) * Math.min(calls, 1000) + 10_000;
  const result = await runInPod(bed, pod, [process.execPath, clientScript, '--plan', JSON.stringify(plan), '--run', bed.prefix], { timeoutMs });
  const report = result.stdout.split('\n').map(parseLogLine).find((line) => line?.msg === 'grpc client done' || line?.msg === 'grpc client failed');
  if (report?.msg !== 'grpc client done') {
    throw new GrpcEchoClientError(`the gRPC client in ${pod} failed (exit ${result.exitCode}): ${report?.error ?? result.stderr.trim().slice(-1000)}`);
  }
  const { msg: _msg, ...rest } = report;
  return rest as GrpcEchoReport;
}
