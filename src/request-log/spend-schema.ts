// The spend rollups: one row per (UTC day, key, team, provider, model), folded from each log batch as it is written.
import { bigint, date, index, numeric, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * '' stands for a missing dimension (the static keys' null key and team, a refusal's null provider and model): a
 * primary key cannot hold NULL, and ON CONFLICT must treat two missing values as the same row on every Postgres the
 * gateway runs on (NULLS NOT DISTINCT needs 15+, and PGlite's planner would have to agree). Readers turn '' back into
 * null, so answers match the raw request_logs sums.
 */
const dimension = (name: string) => text(name).notNull().default('');
const tokens = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);

export const spendDaily = pgTable(
  'spend_daily',
  {
    /** The UTC day of the rows' created_at (the request's start), as request_logs is grouped by day. */
    day: date('day', { mode: 'string' }).notNull(),
    keyId: dimension('key_id'),
    teamId: dimension('team_id'),
    provider: dimension('provider'),
    model: dimension('model'),
    requests: tokens('requests'),
    promptTokens: tokens('prompt_tokens'),
    completionTokens: tokens('completion_tokens'),
    cachedTokens: tokens('cached_tokens'),
    reasoningTokens: tokens('reasoning_tokens'),
    /** request_logs.cost_usd's scale, so sums stay exact; more digits, as a day of a busy key adds up. */
    costUsd: numeric('cost_usd', { precision: 24, scale: 11, mode: 'number' }).notNull().default(0),
  },
  (t) => [
    // Upserts lock rows in this order (the batch's rows are sorted by it), so concurrent writers cannot deadlock.
    primaryKey({ name: 'spend_daily_pk', columns: [t.day, t.keyId, t.teamId, t.provider, t.model] }),
    // Budgets read one key's or one team's days since the period began.
    index('spend_daily_key_idx').on(t.keyId, t.day),
    index('spend_daily_team_idx').on(t.teamId, t.day),
  ],
);

export type SpendDailyRow = typeof spendDaily.$inferSelect;
