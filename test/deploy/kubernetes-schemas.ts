/**
 * A Kubernetes object against the API's own OpenAPI schemas, offline:
 * - kubernetes-models (ajv validators compiled from the API's OpenAPI
 *   document): types, required fields, formats, enums;
 * - unknown fields, which those schemas let through (the API's schemas do
 *   not close their objects; the server refuses unknown fields under strict
 *   field validation, kubectl's default): checked against the field lists
 *   of @kubernetes/client-node's models, generated from the same document.
 */
import * as k8s from '@kubernetes/client-node';

interface Attribute {
  baseName: string;
  type: string;
}

type ModelClass = { getAttributeTypeMap(): Attribute[] };

/** `kubernetes-models/<group>/<version>/<Kind>`, core types under `v1/`. */
function modelModule(apiVersion: string, kind: string): string {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** client-node's class name for a type: `apps/v1` DaemonSet -> V1DaemonSet. */
function clientModelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop()!;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

function modelClass(name: string): ModelClass | undefined {
  const candidate = (k8s as unknown as Record<string, unknown>)[name];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate ? (candidate as unknown as ModelClass) : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Paths of fields that `type` does not declare, anywhere below `value`. */
export function unknownFields(value: unknown, type: string, path = ''): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((item, index) => unknownFields(item, array[1]!, `${path}[${index}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return isPlainObject(value) ? Object.entries(value).flatMap(([key, item]) => unknownFields(item, map[1]!, `${path}[${JSON.stringify(key)}]`)) : [];
  const model = modelClass(type);
  if (!model || !isPlainObject(value)) return []; // a primitive, IntOrString, any
  const attributes = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute.type]));
  return Object.entries(value).flatMap(([key, child]) => {
    const childPath = path ? `${path}.${key}` : key;
    let childType = attributes.get(key);
    if (childType === undefined) return [childPath];
    // A CRD's schema nests schemas where client-node types them `any`.
    if (type === 'V1JSONSchemaProps' && (key === 'items' || key === 'additionalProperties') && isPlainObject(child)) childType = 'V1JSONSchemaProps';
    return unknownFields(child, childType, childPath);
  });
}

/** Every problem the API's schemas find in `object`; empty when it is valid. */
export async function kubernetesSchemaProblems(object: { apiVersion: string; kind: string }): Promise<string[]> {
  const where = `${object.kind} ${(object as { metadata?: { name?: string } }).metadata?.name ?? '?'}`;
  let Model: new (data: unknown) => { validate(): void };
  try {
    const module = (await import(modelModule(object.apiVersion, object.kind))) as Record<string, typeof Model>;
    Model = module[object.kind]!;
  } catch (error) {
    return [`${where}: kubernetes-models has no ${object.apiVersion} ${object.kind} (${(error as Error).message})`];
  }
  const problems: string[] = [];
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
  }
  const clientModel = clientModelName(object.apiVersion, object.kind);
  if (!modelClass(clientModel)) problems.push(`${where}: @kubernetes/client-node has no model ${clientModel}`);
  else problems.push(...unknownFields(object, clientModel).map((path) => `${where}: unknown field ${path}`));
  return problems;
}
