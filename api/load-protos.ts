/**
 * The weft.v1 protos, loaded at run time from the install's proto/ dir with
 * the options the build generates types with (scripts/build.sh), so the
 * objects grpc-js hands us are exactly the generated `*__Output` shapes:
 * camelCase fields, 64-bit integers and enums as strings, defaults filled
 * in, and a virtual field naming each oneof's present member.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { installRoot } from '../core/paths.js';
import type { ProtoGrpcType } from '../proto/generated/discovery.js';

export const protoDir = join(installRoot, 'proto');

export const protoLoaderOptions: protoLoader.Options = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir],
};

export type WeftV1 = ProtoGrpcType['weft']['v1'];

let loaded: WeftV1 | undefined;

/** Parsed once per process: both the agent and the control plane call this on every (re)connect. */
export function weftV1(): WeftV1 {
  if (!loaded) {
    const definition = protoLoader.loadSync('weft/v1/discovery.proto', protoLoaderOptions);
    loaded = (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).weft.v1;
  }
  return loaded;
}
