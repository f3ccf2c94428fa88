/**
 * weft/v1/certificates.proto, loaded like the discovery protos
 * (api/load-protos.ts: same options, so messages have the
 * generated `*__Output` shapes), once per process.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../proto/generated/certificates.js';
import { protoLoaderOptions } from './load-protos.js';

export type CertificatesV1 = ProtoGrpcType['weft']['v1'];

let loaded: CertificatesV1 | undefined;

export function certificatesV1(): CertificatesV1 {
  if (!loaded) {
    const definition = protoLoader.loadSync('weft/v1/certificates.proto', protoLoaderOptions);
    loaded = (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).weft.v1;
  }
  return loaded;
}
