import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { toStructuralSchema } from './crd-schema.js';
import { CrdSchemaError } from './manifest-errors.js';
import { StringEnum, StringMap } from './schema/common.js';

describe('toStructuralSchema', () => {
  it('keeps types and value checks, closes nothing itself, and turns const into a one-value enum', () => {
    const schema = Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z]+$', description: 'a name' }),
        port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: 80 })),
        kind: Type.Literal('Thing'),
        mode: Type.Optional(StringEnum(['A', 'B'], { default: 'A' })),
        tags: Type.Optional(Type.Array(Type.String(), { maxItems: 4 })),
      },
      { additionalProperties: false },
    );
    assert.deepEqual(toStructuralSchema(schema), {
      type: 'object',
      required: ['name', 'kind'],
      properties: {
        name: { description: 'a name', type: 'string', pattern: '^[a-z]+$', minLength: 1, maxLength: 63 },
        port: { type: 'integer', default: 80, minimum: 1, maximum: 65535 },
        kind: { type: 'string', enum: ['Thing'] },
        mode: { type: 'string', enum: ['A', 'B'], default: 'A' },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 4 },
      },
    });
  });

  it('spells maps as additionalProperties, and keeps whatever an untyped or open node holds', () => {
    const schema = Type.Object({ labels: StringMap(Type.String()), status: Type.Unknown(), extra: Type.Object({}) });
    assert.deepEqual(toStructuralSchema(schema).properties, {
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      status: { 'x-kubernetes-preserve-unknown-fields': true },
      extra: { type: 'object', properties: {} },
    });
    assert.deepEqual(toStructuralSchema({ type: 'object' }), { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('refuses what a structural schema cannot say, naming the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [Type.Object({ a: Type.Object({ b: Type.Record(Type.String(), Type.String()) }) }), /^a\.b: 'patternProperties'/],
      [Type.Object({ a: Type.Union([Type.String(), Type.Number()]) }), /^a: 'anyOf'/],
      [Type.Object({ list: Type.Array(Type.String(), { uniqueItems: true }) }), /^list: 'uniqueItems: true'/],
      [Type.Object({ n: Type.Number({ exclusiveMinimum: 0 }) }), /^n: 'exclusiveMinimum'/],
      [{ $ref: '#/definitions/x' }, /'\$ref'/],
      [{ pattern: '^a$' }, /needs a type/],
      [{ type: 'array' }, /needs one items schema/],
      [{ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }, /beside properties/],
      [{ type: 'tuple' }, /is not one of/],
    ];
    for (const [schema, message] of cases) {
      assert.throws(() => toStructuralSchema(schema), (error: unknown) => error instanceof CrdSchemaError && error.code === 'WEFT_ERR_CRD_SCHEMA' && message.test(error.message), String(message));
    }
  });
});
