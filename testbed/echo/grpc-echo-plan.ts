/** What the gRPC echo client (grpc-echo-client.ts) is asked to do, and what it reports. */
import type { EchoAnswer } from './echo-answer.js';

export type GrpcCallKind = 'unary' | 'server-stream' | 'client-stream' | 'bidi';

export interface GrpcEchoPlan {
  /** `ip:port` (or `name:port` the pod can resolve) */
  target: string;
  /** the :authority to send instead of the target (grpc.default_authority) */
  authority?: string;
  call: GrpcCallKind;
  /** unary: calls made one after another on the one channel; server-stream:
   * answers asked for; client-stream and bidi: messages sent (default 1, 3 for streams) */
  count?: number;
  message?: string;
  /** sent with every call; knobs go here (x-echo-delay, x-echo-codes, ...) */
  metadata?: Record<string, string | string[]>;
  /** per call; default 10 s */
  deadlineMs?: number;
}

export interface GrpcCallResult {
  /** 0 OK, 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, ... */
  code: number;
  codeName: string;
  details: string;
  /** the initial metadata the server sent */
  headers: Record<string, string[]>;
  trailers: Record<string, string[]>;
  answers: EchoAnswer[];
  elapsedMs: number;
}

export interface GrpcEchoReport {
  calls: GrpcCallResult[];
  /** answering pod -> answers */
  byPod: Record<string, number>;
  elapsedMs: number;
}

export const defaultDeadlineMs = 10_000;
