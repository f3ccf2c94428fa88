/**
 * Opens one tunnel session (ztunnel's ConnSpawner, kept apart from the
 * pool's bookkeeping in pool.ts): TLS 1.3 with ALPN h2 to the peer node's
 * proxy, presenting the source workload's certificate and accepting only a
 * server that proves the destination workload's identity, then HTTP/2 on it.
 * What it hands back is ready, or failed with one coded error.
 */
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { connect as tlsConnect, type ConnectionOptions, type SecureContext } from 'node:tls';
import type { Logger } from '../../core/log.js';
import type { TunnelMetrics } from '../metrics/tunnel-metrics.js';
import { connectAuthority, sessionWindowBytes, streamWindowBytes, tlsVersions } from './hbone.js';
import { expectPeerIdentity } from './peer-identity.js';
import type { PoolKey } from './pool.js';
import { PeerIdentityError, TunnelConnectError } from './tunnel-errors.js';

export interface TunnelConnectorOptions {
  /** the node IP tunnels are dialled from (so peers' STRICT ingress sees the node proxy) */
  localAddress?: string;
  connectTimeoutMs: number;
  metrics?: TunnelMetrics;
  log: Logger;
}

export interface OpeningSession {
  session: ClientHttp2Session;
  /** resolves once TLS and the HTTP/2 preface are done, with the serial of the server certificate it verified */
  ready: Promise<{ peerCertificateSerial: string | undefined }>;
}

export class TunnelConnector {
  #handshakes = 0;

  constructor(private readonly options: TunnelConnectorOptions) {}

  /** TLS handshakes started, successful or not. */
  handshakes(): number {
    return this.#handshakes;
  }

  /** `name` is the pool's name for the key, for errors and logs. */
  open(name: string, key: PoolKey, serverName: string, context: SecureContext): OpeningSession {
    const { metrics, connectTimeoutMs, localAddress } = this.options;
    this.#handshakes++;
    const verified: { serial?: string } = {};
    const session = http2Connect(`https://${connectAuthority(key.address.ip, key.address.port)}`, {
      secureContext: context,
      servername: serverName,
      ...tlsVersions,
      ...(localAddress ? { localAddress } : {}),
      // Called by TLS after the chain verified against the bundle; an error here fails the handshake.
      checkServerIdentity: (_host, certificate) => {
        try {
          expectPeerIdentity(certificate.raw, key.destination);
          verified.serial = certificate.serialNumber;
          return undefined;
        } catch (error) {
          return error as Error;
        }
      },
      settings: { enablePush: false, initialWindowSize: streamWindowBytes },
      // Our own TLS socket only to switch Nagle off (http2 forbids touching its socket once wrapped):
      // Nagle would hold a small frame back until the previous one is acked, a delay per request.
      createConnection: (_authority, options) => {
        const socket = tlsConnect({ ...(options as ConnectionOptions), host: key.address.ip, port: key.address.port, ALPNProtocols: ['h2'] });
        socket.setNoDelay(true);
        return socket;
      },
    });
    const ready = new Promise<{ peerCertificateSerial: string | undefined }>((resolve, reject) => {
      let connected = false;
      const timer = setTimeout(() => session.destroy(new TunnelConnectError(name, `no session within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      // With TLS 1.3 the client finishes its handshake before the server has judged our certificate:
      // a refusal shows up after 'connect', as the session closing under its first stream.
      session.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        session.setLocalWindowSize(sessionWindowBytes);
        metrics?.handshakes.inc({ result: 'success' });
        resolve({ peerCertificateSerial: verified.serial });
      });
      session.on('error', (error) => {
        clearTimeout(timer);
        if (connected) return;
        connected = true; // counted once
        metrics?.handshakes.inc({ result: 'failure' });
        reject(
          error instanceof PeerIdentityError || error instanceof TunnelConnectError
            ? error
            : new TunnelConnectError(name, `tunnel to ${name}: ${error.message}`, { cause: error }),
        );
      });
      session.once('close', () => {
        clearTimeout(timer);
        reject(new TunnelConnectError(name, `tunnel to ${name} closed before it was ready`));
      });
    });
    return { session, ready };
  }
}
