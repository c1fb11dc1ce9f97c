// The admin API's bodies and queries (zod, so they validate and document the routes) and the views it answers with:
// snake_case, times as ISO text, never a key's hash.
import { z } from 'zod';
import { limitsInput } from './limits.js';
import type { KeyRow, TeamRow } from './schema.js';

const limits = z.object(limitsInput);
export type LimitsInput = z.infer<typeof limits>;

const name = z.string().trim().min(1).max(200);
const expiresAt = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .nullable()
  .optional();

export const teamCreateBody = z.strictObject({ name, ...limitsInput });
export const teamUpdateBody = z.strictObject({ name: name.optional(), ...limitsInput });
export const keyCreateBody = z.strictObject({ team_id: z.string().min(1), name: name.nullable().optional(), expires_at: expiresAt, ...limitsInput });
export const keyUpdateBody = z.strictObject({ name: name.nullable().optional(), expires_at: expiresAt, ...limitsInput });

export const idParams = z.object({ id: z.string().min(1).max(100) });

export const listQuery = z.object({
  after: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  team_id: z.string().min(1).max(100).optional(),
});

const limitsView = (row: TeamRow | KeyRow) => ({
  allowed_models: row.allowedModels,
  rpm: row.rpm,
  tpm: row.tpm,
  max_parallel: row.maxParallel,
  budget_usd: row.budgetUsd,
  budget_period: row.budgetPeriod,
  soft_threshold: row.softThreshold,
  metadata: row.metadata,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export const teamView = (row: TeamRow) => ({ object: 'team' as const, id: row.id, name: row.name, ...limitsView(row) });

export const keyView = (row: KeyRow) => ({
  object: 'virtual_key' as const,
  id: row.id,
  team_id: row.teamId,
  name: row.name,
  key_prefix: row.keyPrefix,
  expires_at: row.expiresAt?.toISOString() ?? null,
  revoked_at: row.revokedAt?.toISOString() ?? null,
  ...limitsView(row),
});

const limitsShape = {
  allowed_models: z.array(z.string()).nullable(),
  rpm: z.number().nullable(),
  tpm: z.number().nullable(),
  max_parallel: z.number().nullable(),
  budget_usd: z.number().nullable(),
  budget_period: z.string().nullable(),
  soft_threshold: z.number().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

export const teamSchema = z.object({ object: z.literal('team'), id: z.string(), name: z.string(), ...limitsShape });
export const keySchema = z.object({
  object: z.literal('virtual_key'),
  id: z.string(),
  team_id: z.string(),
  name: z.string().nullable(),
  key_prefix: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  ...limitsShape,
});
/** The create answer: the only time the key is shown. */
export const createdKeySchema = keySchema.extend({ key: z.string() });
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ object: z.literal('list'), data: z.array(item), next_cursor: z.string().nullable() });
