// The mock's minimal JSON-schema instances validate (Ajv, JSON Schema 2020-12 with formats) against each schema shape.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { minimalInstance } from '../../src/providers/mock-schema.js';
import { expectValidAgainst } from '../helpers/openai-schema.js';

function expectValid(schema: Record<string, unknown>): unknown {
  const instance = minimalInstance(schema);
  expectValidAgainst(schema, instance);
  return instance;
}

describe('minimalInstance', () => {
  it.each([
    ['string', { type: 'string' }],
    ['integer with an exclusive lower bound', { type: 'integer', exclusiveMinimum: 3 }],
    ['number between bounds', { type: 'number', minimum: 1.5, maximum: 2 }],
    ['number with exclusive bounds below 1 apart', { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5 }],
    ['negative ceiling', { type: 'integer', maximum: -4 }],
    ['multipleOf', { type: 'integer', minimum: 7, multipleOf: 5 }],
    ['boolean', { type: 'boolean' }],
    ['null', { type: 'null' }],
    ['nullable string (type list)', { type: ['null', 'string'] }],
    ['nullable via anyOf', { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 2 }] }],
    ['enum', { type: 'string', enum: ['celsius', 'fahrenheit'] }],
    ['const', { const: 'fixed' }],
    ['minLength and maxLength', { type: 'string', minLength: 10, maxLength: 12 }],
    ['short maxLength', { type: 'string', maxLength: 2 }],
    ['array with minItems', { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2 }],
    ['tuple (prefixItems)', { type: 'array', prefixItems: [{ type: 'string' }, { type: 'boolean' }], items: false }],
    ['object with optional fields left out', { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a'], additionalProperties: false }],
    ['required name only in additionalProperties', { type: 'object', required: ['k'], additionalProperties: { type: 'integer' } }],
    [
      'allOf of objects',
      { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { enum: [1, 2] } }, required: ['b'] }] },
    ],
  ] as const)('%s', (_name, schema) => {
    expectValid(schema as unknown as Record<string, unknown>);
  });

  it.each(['date-time', 'date', 'time', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uuid', 'duration'])('format %s', (format) => {
    expectValid({ type: 'string', format });
  });

  it('follows $ref into $defs, including a recursive definition', () => {
    const instance = expectValid({
      type: 'object',
      properties: { root: { $ref: '#/$defs/node' } },
      required: ['root'],
      $defs: { node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['name', 'children'] } },
    });
    expect(instance).toEqual({ root: { name: 'mock', children: [] } });
  });

  it('satisfies an OpenAI strict structured-output schema as zod 4 writes it', () => {
    const schema = z.toJSONSchema(
      z.object({
        title: z.string(),
        rating: z.number().int().min(1).max(5),
        tags: z.array(z.enum(['new', 'old'])).min(1),
        author: z.object({ name: z.string(), email: z.email() }),
        note: z.string().nullable(),
      }),
    );
    const instance = expectValid(schema as Record<string, unknown>) as Record<string, unknown>;
    expect(Object.keys(instance).sort()).toEqual(['author', 'note', 'rating', 'tags', 'title']);
  });

  it('answers null to what it cannot read instead of throwing', () => {
    expect(minimalInstance(undefined)).toBeNull();
    expect(minimalInstance({ $ref: 'https://example.com/elsewhere.json' })).toBeNull();
  });
});
