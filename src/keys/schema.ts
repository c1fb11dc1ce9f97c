// The governance tables: teams and the virtual keys that belong to them, each carrying the same limits and budget.
import { index, integer, jsonb, numeric, pgTable, real, text, timestamp } from 'drizzle-orm/pg-core';

/** The limits a team and a key both carry; null means "no limit of this kind". */
const limitColumns = () => ({
  /** Patterns the requested model must match (`openai/*`, `gpt-4o-mini`, an alias); null: every model. */
  allowedModels: jsonb('allowed_models').$type<string[]>(),
  rpm: integer('rpm'),
  tpm: integer('tpm'),
  maxParallel: integer('max_parallel'),
  budgetUsd: numeric('budget_usd', { precision: 20, scale: 6, mode: 'number' }),
  /** day, week, month or total. */
  budgetPeriod: text('budget_period'),
  /** Fraction of the budget (0–1) past which the next round warns before refusing. */
  softThreshold: real('soft_threshold'),
  metadata: jsonb('metadata').$type<Record<string, unknown>>(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const teams = pgTable('teams', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  ...limitColumns(),
});

export const virtualKeys = pgTable(
  'virtual_keys',
  {
    id: text('id').primaryKey(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    name: text('name'),
    /** SHA-256 (hex) of the whole key: the key itself is shown once and never stored. */
    keyHash: text('key_hash').notNull().unique(),
    /** The key's first characters, so an operator can tell keys apart. */
    keyPrefix: text('key_prefix').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    ...limitColumns(),
  },
  (t) => [index('virtual_keys_team_idx').on(t.teamId)],
);

export type TeamRow = typeof teams.$inferSelect;
export type KeyRow = typeof virtualKeys.$inferSelect;
