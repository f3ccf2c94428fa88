/**
 * Checks for objects decoded from the wire. The control plane validated them
 * when it read the manifests, but the agent trusts nothing that would reach
 * its datapath (a cgroup path is joined to the cgroup mount; an address goes
 * into a BPF map), so it re-checks with the manifest schemas' own patterns.
 * Each check throws with a message that names the field: it becomes the NACK.
 */
import type { TSchema } from '@sinclair/typebox';
import { unusableAddress } from '../model/address.js';
import { creationTimestampProblem } from '../model/creation-timestamp.js';
import { labelKeyProblem } from '../model/label-key.js';
import { CgroupPath, DnsLabel, DnsSubdomain, Ipv4, LabelValue, ServiceName } from '../model/value-schemas.js';

class FieldProblem extends Error {}

function fail(field: string, problem: string): never {
  throw new FieldProblem(`${field}: ${problem}`);
}

function patternCheck(schema: TSchema) {
  const pattern = new RegExp(String(schema.pattern));
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  const description = String(schema.description ?? `a string matching ${pattern}`);
  return (value: string, field: string): string => {
    if (value.length > maxLength || !pattern.test(value)) fail(field, `${JSON.stringify(value)} is not ${description}`);
    return value;
  };
}

export const serviceName = patternCheck(ServiceName);
export const dnsLabel = patternCheck(DnsLabel);
export const dnsSubdomain = patternCheck(DnsSubdomain);
export const cgroupPath = patternCheck(CgroupPath);
const ipv4Pattern = patternCheck(Ipv4);
const labelValue = patternCheck(LabelValue);

export function ipv4(value: string, field: string): string {
  ipv4Pattern(value, field);
  const problem = unusableAddress(value);
  if (problem) fail(field, `${value} ${problem}`);
  return value;
}

export function port(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) fail(field, `${value} is not a port (1-65535)`);
  return value;
}

export function labels(map: Record<string, string>, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    const problem = labelKeyProblem(key);
    if (problem) fail(`${field}.${key}`, problem);
    out[key] = labelValue(value, `${field}.${key}`);
  }
  return out;
}

export function oneOf<const T extends readonly string[]>(values: T, value: string, field: string): T[number] {
  if (!values.includes(value)) fail(field, `${JSON.stringify(value)} is not one of ${values.join(', ')}`);
  return value as T[number];
}

export function nonEmpty(value: string, field: string): string {
  if (value.length === 0) fail(field, 'must not be empty');
  return value;
}

/** A path-safe token: Kubernetes UIDs end up in cgroup paths (`pod<uid>.slice`). */
export function uid(value: string, field: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(value)) fail(field, `${JSON.stringify(value)} is not a pod UID`);
  return value;
}

export function present<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) fail(field, 'is missing');
  return value;
}

export function creationTimestamp(value: string, field: string): string {
  const problem = creationTimestampProblem(value);
  if (problem) fail(field, problem);
  return value;
}
