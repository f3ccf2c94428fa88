/**
 * The flags of `weft authz check` as commander hands them over, and their
 * checks that need no config: exactly one source, exactly one destination,
 * a port, well-formed headers. What needs the config (does the workload
 * exist?) is resolve-check.ts's.
 */
import { isIPv4 } from 'node:net';
import { defaultPathNormalization, type PathNormalization } from '../../agent/authz/normalize-path.js';
import { defaultTrustDomain } from '../../agent/telemetry/labels.js';
import { AuthzCheckUsageError } from './authz-check-errors.js';

export const pathNormalizations: readonly PathNormalization[] = ['DECODE_AND_MERGE_SLASHES', 'REJECT_ENCODED_SLASHES'];
export const outputFormats = ['text', 'json'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export interface CheckFlags {
  configDir?: string;
  from?: string;
  plaintext?: boolean;
  sourceIp?: string;
  to?: string;
  service?: string;
  port?: string;
  method?: string;
  path?: string;
  host?: string;
  header?: string[];
  sni?: string;
  pathNormalization?: PathNormalization;
  trustDomain?: string;
  output?: OutputFormat;
}

export interface NamespacedName {
  namespace: string;
  name: string;
}

/** The HTTP fields the operator wrote; none written means "not asked as HTTP". */
export interface HttpFlags {
  method?: string;
  path?: string;
  host?: string;
  /** In the order given, names as written. */
  headers: Array<[name: string, value: string]>;
}

export interface ParsedFlags {
  configDir: string;
  source: { kind: 'workload'; ref: NamespacedName } | { kind: 'plaintext'; ip: string };
  destination: { kind: 'workload' | 'service'; ref: NamespacedName };
  port: number;
  http: HttpFlags;
  /** Any of --method, --path, --host, -H was given. */
  httpGiven: boolean;
  sni?: string;
  pathNormalization: PathNormalization;
  trustDomain: string;
  output: OutputFormat;
}

export function parseNamespacedName(flag: string, value: string): NamespacedName {
  const parts = value.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new AuthzCheckUsageError(`${flag} takes NAMESPACE/NAME, got '${value}'`);
  return { namespace: parts[0], name: parts[1] };
}

export function parsePort(value: string | undefined): number {
  if (value === undefined) throw new AuthzCheckUsageError('--port N is required (the destination port: the workload\'s, or the Service\'s)');
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new AuthzCheckUsageError(`bad --port '${value}': a number from 1 to 65535`);
  return port;
}

/** `-H 'name: value'`, as curl takes it. */
export function parseHeader(value: string): [string, string] {
  const colon = value.indexOf(':');
  const name = colon < 0 ? '' : value.slice(0, colon).trim();
  if (!name || /[\s:]/.test(name)) throw new AuthzCheckUsageError(`bad -H '${value}': write it as 'name: value'`);
  return [name, value.slice(colon + 1).trim()];
}

function parseSource(flags: CheckFlags): ParsedFlags['source'] {
  if (flags.from !== undefined && (flags.plaintext || flags.sourceIp !== undefined)) {
    throw new AuthzCheckUsageError('give either --from NS/WORKLOAD or --plaintext --source-ip IP, not both');
  }
  if (flags.from !== undefined) return { kind: 'workload', ref: parseNamespacedName('--from', flags.from) };
  if (!flags.plaintext) throw new AuthzCheckUsageError('say who calls: --from NS/WORKLOAD, or --plaintext --source-ip IP for a caller outside the mesh');
  if (flags.sourceIp === undefined) throw new AuthzCheckUsageError('--plaintext needs --source-ip IP (the caller\'s address, which ipBlocks test)');
  if (!isIPv4(flags.sourceIp)) throw new AuthzCheckUsageError(`bad --source-ip '${flags.sourceIp}': an IPv4 address`);
  return { kind: 'plaintext', ip: flags.sourceIp };
}

function parseDestination(flags: CheckFlags): ParsedFlags['destination'] {
  if ((flags.to === undefined) === (flags.service === undefined)) {
    throw new AuthzCheckUsageError('say what is called: exactly one of --to NS/WORKLOAD and --service NS/NAME');
  }
  return flags.to !== undefined
    ? { kind: 'workload', ref: parseNamespacedName('--to', flags.to) }
    : { kind: 'service', ref: parseNamespacedName('--service', flags.service!) };
}

export function parseFlags(flags: CheckFlags): ParsedFlags {
  if (flags.configDir === undefined) throw new AuthzCheckUsageError('--config-dir DIR is required (the manifest directory, as weft config validate reads it)');
  const headers = (flags.header ?? []).map(parseHeader);
  const http: HttpFlags = { headers };
  if (flags.method !== undefined) http.method = flags.method;
  if (flags.path !== undefined) http.path = flags.path;
  if (flags.host !== undefined) http.host = flags.host;
  const parsed: ParsedFlags = {
    configDir: flags.configDir,
    source: parseSource(flags),
    destination: parseDestination(flags),
    port: parsePort(flags.port),
    http,
    httpGiven: flags.method !== undefined || flags.path !== undefined || flags.host !== undefined || headers.length > 0,
    pathNormalization: flags.pathNormalization ?? defaultPathNormalization,
    trustDomain: flags.trustDomain ?? defaultTrustDomain,
    output: flags.output ?? 'text',
  };
  if (flags.sni !== undefined) parsed.sni = flags.sni;
  return parsed;
}
