/**
 * The grpc-js server settings that keep one misbehaving peer from costing the
 * others: every connection is pinged, so a half-open one (peer gone, or a
 * socket that never speaks HTTP/2) is dropped within keepalive time + timeout;
 * a connection without a stream is closed when idle; a request is small (an
 * ACK, or once per stream the agent's resource versions), so its size is capped.
 */
import type * as grpc from '@grpc/grpc-js';

export interface DiscoveryServerLimits {
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  maxConnectionIdleMs: number;
  maxReceiveMessageBytes: number;
  /** An agent needs one stream; a few allow a replacement to overlap the old one. */
  maxConcurrentStreams: number;
}

export const defaultLimits: DiscoveryServerLimits = {
  keepaliveTimeMs: 20_000,
  keepaliveTimeoutMs: 10_000,
  maxConnectionIdleMs: 60_000,
  // ~100 bytes per held resource in initial_resource_versions: some 80k resources.
  maxReceiveMessageBytes: 8 * 1024 * 1024,
  maxConcurrentStreams: 8,
};

export function grpcServerOptions(limits: DiscoveryServerLimits): grpc.ServerOptions {
  return {
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
    'grpc.max_connection_idle_ms': limits.maxConnectionIdleMs,
    'grpc.max_receive_message_length': limits.maxReceiveMessageBytes,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
  };
}
