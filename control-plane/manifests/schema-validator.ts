/**
 * Validates a document against its kind's schema with ajv, applying the
 * schema's defaults in place, and words ajv's errors for an operator: the
 * field path of the offending field (a missing or unknown field is named
 * itself, not its parent), its line, and a suggestion for likely typos.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldLines } from './field-lines.js';
import { formatPath, type PathSegment, pointerToPath } from './field-path.js';
import type { ConfigIssue } from '../../model/issues.js';
import { type SupportedKind, supportedKinds } from './kinds.js';
import { closest } from './suggest.js';

// verbose: errors carry the failing sub-schema and value, which the messages quote.
const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
const validators = new Map<SupportedKind, ValidateFunction>();

function validatorFor(kind: SupportedKind): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    validate = ajv.compile(supportedKinds[kind].schema);
    validators.set(kind, validate);
  }
  return validate;
}

function quote(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return JSON.stringify(value);
}

/** The message for one ajv error, and the field it is about relative to ajv's instancePath. */
function describe(error: ErrorObject): { path: PathSegment[]; message: string } {
  const parentSchema = (error.parentSchema ?? {}) as { description?: string; properties?: Record<string, unknown> };
  const description = parentSchema.description;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: [String(params.missingProperty)], message: 'is required' };
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const suggestion = closest(field, Object.keys(parentSchema.properties ?? {}));
      return { path: [field], message: `unknown field${suggestion ? ` (did you mean "${suggestion}"?)` : ''}` };
    }
    case 'pattern':
      return {
        path: [],
        message: `${description ? `must be ${description}` : `must match ${String(params.pattern)}`} (got ${quote(error.data)})`,
      };
    case 'const':
      return {
        path: [],
        message: `must be ${quote(params.allowedValue)}${description ? `: ${description}` : ''} (got ${quote(error.data)})`,
      };
    case 'enum':
      return {
        path: [],
        message: `must be one of ${(params.allowedValues as unknown[]).map(quote).join(', ')} (got ${quote(error.data)})`,
      };
    case 'type':
      return { path: [], message: `must be ${article(String(params.type))} (got ${quote(error.data)})` };
    default:
      return { path: [], message: error.message ?? `fails ${error.keyword}` };
  }
}

function article(type: string): string {
  return { object: 'a map', array: 'a list', integer: 'an integer' }[type] ?? `a ${type}`;
}

/**
 * Validate `data` (mutated: defaults filled in) as `kind`. Returns the
 * document's schema issues; an empty list means `data` is a valid manifest.
 */
export function validateManifest(
  kind: SupportedKind,
  data: unknown,
  lines: FieldLines,
  where: { file: string; document: number },
): ConfigIssue[] {
  const validate = validatorFor(kind);
  if (validate(data)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const described = describe(error);
    const path = [...pointerToPath(error.instancePath, data), ...described.path];
    const text = formatPath(path);
    const key = `${text}\0${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ severity: 'error', ...where, path: text, line: lines.line(path), message: described.message });
  }
  return issues;
}
