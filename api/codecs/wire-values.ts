/**
 * The small pieces every kind's codec is made of: enum tables checked both
 * ways, deterministic maps, optional fields, and the number and regex checks
 * whose messages name the field (a thrown message becomes the NACK).
 */
import { regexProblem } from '../../model/route-regex.js';
import type { SourceRef } from '../../model/types.js';
import * as check from '../field-checks.js';

/** Where a decoded object came from when the caller does not say (resource-kind.ts's resourceSource does). */
export const WIRE_SOURCE: SourceRef = { file: 'xds', document: 0 };

export function fail(field: string, problem: string): never {
  throw new Error(`${field}: ${problem}`);
}

/** Model enum strings <-> proto enum names, both ways checked. */
export function enumCodec<const M extends string, const P extends string>(table: Record<M, P>) {
  const reverse = new Map<string, M>(Object.entries(table).map(([model, proto]) => [proto as string, model as M]));
  return {
    toProto: (value: M): P => table[value],
    fromProto: (value: string, field: string): M => reverse.get(value) ?? fail(field, `${JSON.stringify(value)} is not one of ${[...reverse.keys()].join(', ')}`),
  };
}

export function sorted(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const optional = <K extends string, V>(key: K, value: V | undefined | null) =>
  value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]: V });

export function integer(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(field, `${value} is not in ${min}-${max}`);
  return value;
}

/** uint64 milliseconds arrive as strings (longs: String). */
export function milliseconds(value: string | number, field: string): number {
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms < 0) fail(field, `${JSON.stringify(value)} is not a number of milliseconds`);
  return ms;
}

export function regex(value: string, field: string): string {
  const problem = regexProblem(value);
  if (problem) fail(field, problem);
  return value;
}

export function selectorFromProto(map: Record<string, string>, field: string): { selector?: Record<string, string> } {
  return Object.keys(map).length === 0 ? {} : { selector: check.labels(map, field) };
}

/** The key of every namespaced kind: `namespace/name`. */
export const namespaced = (object: { namespace: string; name: string }) => `${object.namespace}/${object.name}`;
