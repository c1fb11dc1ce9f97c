// What every admin route shares: its OpenAPI tag, its answers (one success shape, OpenAI-style errors otherwise)
// and the 404 for an id that names nothing.
import type { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { openAIErrorSchema } from '../openapi-shapes.js';

export const tags = ['Admin'];

export const answers = (ok: z.ZodType, status = 200) => ({ [status]: ok, default: openAIErrorSchema });

export const notFound = (what: string, id: string, param: string | null = null) =>
  new GatewayError({ status: 404, message: `No ${what} with id '${id}'.`, code: `${what}_not_found`, param });
