/**
 * A manifest schema (TypeBox's JSON Schema) -> an OpenAPI v3 schema that a
 * CustomResourceDefinition accepts: a Kubernetes structural schema. The
 * API server's rules, and what this does about each:
 * - every node has a type, or says x-kubernetes-preserve-unknown-fields
 *   (TypeBox's Unknown, `{}`, becomes that: any value is kept);
 * - additionalProperties only without properties (a map); the validator's
 *   `additionalProperties: false` beside properties is dropped, because the
 *   API server already prunes unknown fields, and refuses them under
 *   strict field validation (kubectl's default);
 * - `const` becomes a one-value `enum`;
 * - no $ref, patternProperties, propertyNames, anyOf/oneOf/allOf/not,
 *   if/then/else, uniqueItems: true, exclusiveMinimum/Maximum (JSON Schema
 *   and OpenAPI 3.0 disagree on their type; write minimum/maximum): those
 *   throw, naming the field, so a
 *   schema change that CRDs cannot express fails the generator instead
 *   of silently loosening the CRD.
 */
import { CrdSchemaError } from './manifest-errors.js';

/** An OpenAPI v3 schema node as a CRD spells it (apiextensions.k8s.io/v1 JSONSchemaProps). */
export interface StructuralSchema {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  required?: string[];
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema;
  items?: StructuralSchema;
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-preserve-unknown-fields'?: true;
}

type JsonSchema = Record<string, unknown>;

const types = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
/** Copied as they are: value checks the API server runs itself. */
const plainKeywords = ['pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'multipleOf', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const;
/** Handled below, or meaningless to the API server (title). */
const handledKeywords = new Set([...plainKeywords, 'type', 'description', 'title', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'default', 'uniqueItems']);

function typeOf(value: unknown): StructuralSchema['type'] {
  if (Array.isArray(value)) return 'array';
  if (value === null) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as StructuralSchema['type'];
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The structural form of `schema` (a TypeBox schema or any plain JSON
 * Schema object). `path` names the node in errors, as a field path.
 */
export function toStructuralSchema(schema: unknown, path = ''): StructuralSchema {
  if (!isObject(schema)) throw new CrdSchemaError(path, `a schema must be an object, not ${JSON.stringify(schema)}`);
  // TypeBox marks its schemas with symbol keys; a JSON copy is the schema as ajv sees it.
  const node = JSON.parse(JSON.stringify(schema)) as JsonSchema;
  for (const key of Object.keys(node)) {
    if (!handledKeywords.has(key)) throw new CrdSchemaError(path, `'${key}' has no structural-schema equivalent`);
  }
  if (node.uniqueItems === true) throw new CrdSchemaError(path, "'uniqueItems: true' is refused by the API server (quadratic to check)");

  const out: StructuralSchema = {};
  if (typeof node.description === 'string') out.description = node.description;

  let type = node.type as string | undefined;
  if (type !== undefined && !types.has(type)) throw new CrdSchemaError(path, `type ${JSON.stringify(type)} is not one of ${[...types].join(', ')}`);
  if (type === undefined && 'const' in node) type = typeOf(node.const);
  if (type === undefined && Array.isArray(node.enum) && node.enum.length > 0) {
    const enumTypes = new Set(node.enum.map(typeOf));
    if (enumTypes.size === 1) type = [...enumTypes][0];
  }
  if (type === undefined) {
    // Only an unconstrained node (Unknown) may go without a type: it keeps whatever it is given.
    const constraints = Object.keys(node).filter((key) => key !== 'description' && key !== 'title');
    if (constraints.length > 0) throw new CrdSchemaError(path, `a node with ${constraints.join(', ')} needs a type`);
    out['x-kubernetes-preserve-unknown-fields'] = true;
    return out;
  }
  out.type = type as StructuralSchema['type'];

  if (type === 'object') {
    const properties = isObject(node.properties) ? node.properties : undefined;
    if (Array.isArray(node.required) && node.required.length > 0) out.required = [...(node.required as string[])];
    if (properties) {
      out.properties = {};
      for (const [name, child] of Object.entries(properties)) out.properties[name] = toStructuralSchema(child, path ? `${path}.${name}` : name);
      if (isObject(node.additionalProperties)) throw new CrdSchemaError(path, 'a schema for additionalProperties beside properties is not structural');
    } else if (isObject(node.additionalProperties)) {
      out.additionalProperties = toStructuralSchema(node.additionalProperties, `${path}[*]`);
    } else if (node.additionalProperties !== false) {
      // An object with no declared fields: whatever it holds is kept.
      out['x-kubernetes-preserve-unknown-fields'] = true;
    }
  } else {
    for (const key of ['properties', 'additionalProperties', 'required']) {
      if (key in node) throw new CrdSchemaError(path, `'${key}' on a ${type}`);
    }
  }

  if (type === 'array') {
    if (!isObject(node.items)) throw new CrdSchemaError(path, 'an array needs one items schema');
    out.items = toStructuralSchema(node.items, `${path}[]`);
  } else if ('items' in node) {
    throw new CrdSchemaError(path, `'items' on a ${type}`);
  }

  if ('const' in node) out.enum = [node.const];
  else if (Array.isArray(node.enum)) out.enum = [...node.enum];
  if ('default' in node) out.default = node.default;

  for (const key of plainKeywords) {
    if (node[key] !== undefined) (out as Record<string, unknown>)[key] = node[key];
  }
  return out;
}
