/**
 * The echo's gRPC service (echo.proto beside this file, read from the source
 * tree: tsc does not copy it into dist/), loaded at run time with
 * @grpc/proto-loader for both the server and the client; no generated code.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { installRoot } from '../../core/paths.js';

export const echoProtoPath = join(installRoot, 'testbed', 'echo', 'echo.proto');

export interface EchoRequestMessage {
  message: string;
  count: number;
}

export interface EchoResponseMessage {
  message: string;
}

export const echoMethods = {
  unary: '/proto.EchoTestService/Echo',
  serverStream: '/proto.EchoTestService/ServerStream',
  clientStream: '/proto.EchoTestService/ClientStream',
  bidi: '/proto.EchoTestService/BidiStream',
} as const;

/** The generic client constructor; `.service` is the definition a server adds. */
export function echoService(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(echoProtoPath, { defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { proto: { EchoTestService: grpc.ServiceClientConstructor } };
  return loaded.proto.EchoTestService;
}

/** Metadata as lowercase name -> values, binary values base64. */
export function metadataAsRecord(metadata: grpc.Metadata): Record<string, string[]> {
  const record: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(metadata.toJSON())) {
    record[name] = values.map((value) => (typeof value === 'string' ? value : value.toString('base64')));
  }
  return record;
}
