// Route schemas are the zod schemas themselves: @fastify/swagger turns them into /openapi.json, and Fastify validates
// with them through parseOrThrow, so a bad field gets today's 400 (`param` naming it). A surface validates its own
// request body in parse(); marking that schema `documented` keeps Fastify from validating it a second time.
// Responses are never re-validated or filtered on the way out: the serializer is plain JSON.stringify.
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import type { z } from 'zod';
import { parseOrThrow } from './validate.js';

const documentedOnly = new WeakSet<object>();

/** A schema that describes the route in /openapi.json but is validated elsewhere (by the surface's parse). */
export function documented<T extends z.ZodType>(schema: T): T {
  documentedOnly.add(schema);
  return schema;
}

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema }) => {
  if (documentedOnly.has(schema)) return (data) => ({ value: data });
  return (data) => {
    try {
      return { value: parseOrThrow(schema, data) };
    } catch (error) {
      return { error: error as Error };
    }
  };
};

export const serializerCompiler: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);
