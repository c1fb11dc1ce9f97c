// Shapes that exist only to describe routes in /openapi.json (the error envelope, the model list, health answers).
import { z } from 'zod';

export const openAIErrorSchema = z
  .object({
    error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
  })
  .describe('OpenAI error envelope');

export const modelSchema = z.object({ id: z.string(), object: z.literal('model'), created: z.number(), owned_by: z.string() });
export const modelListSchema = z.object({ object: z.literal('list'), data: z.array(modelSchema) });

const check = z.object({ ok: z.boolean(), degraded: z.boolean().optional(), detail: z.string().optional() });
const stateReport = z.object({ backend: z.enum(['redis', 'memory']), degraded: z.boolean(), failure_mode: z.enum(['open', 'closed']) });
export const readinessSchema = z.object({ status: z.enum(['ready', 'degraded', 'not_ready']), checks: z.record(z.string(), check), state: stateReport });
export const livenessSchema = z.object({ status: z.literal('ok') });
