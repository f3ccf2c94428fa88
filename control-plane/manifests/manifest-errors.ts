/** Failures of turning the manifest schemas into CRDs, each with its stable code. */
import { WeftError } from '../../core/errors.js';

/** A schema the CRD generator cannot express as OpenAPI v3 (a bug in a schema, named by its path). */
export class CrdSchemaError extends WeftError {
  constructor(path: string, message: string) {
    super('WEFT_ERR_CRD_SCHEMA', `${path || '(root)'}: ${message}`);
  }
}
