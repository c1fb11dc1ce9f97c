// The overview rollups: per time bucket (1 minute, 20 minutes and 2 hours wide) × provider × model, the counts, sums and latency
// histograms the console's overview shows, folded from each log batch as it is written (overview-fold.ts).
import { bigint, integer, numeric, pgTable, primaryKey, text, timestamp, type PgColumnBuilderBase } from 'drizzle-orm/pg-core';
import { bucketColumn, HISTOGRAM_BUCKETS } from './latency-histogram.js';

/**
 * The bucket widths stored, in seconds: one per series bucket of the overview (console-shapes.ts WINDOWS: 60 s for
 * the hour, 1,200 s for the day, 7,200 s for the week), so any window reads at most 168 rows per deployment. Measured
 * at 2M rows (bench/console-queries.ts): the week summed from 20-minute rows (~4,000) took 80–95 ms, from 2-hour rows
 * a fraction of that; a third width costs each batch a few more upserted rows.
 */
export const ROLLUP_WIDTHS = [60, 1_200, 7_200] as const;

const count = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);

function histogram(name: 'latency' | 'ttft'): Record<string, PgColumnBuilderBase> {
  const columns: Record<string, PgColumnBuilderBase> = {};
  for (let b = 0; b < HISTOGRAM_BUCKETS; b++) columns[bucketColumn(name, b)] = integer(bucketColumn(name, b)).notNull().default(0);
  return columns;
}

export const overviewRollups = pgTable(
  'overview_rollups',
  {
    /** One of ROLLUP_WIDTHS. */
    bucketSeconds: integer('bucket_seconds').notNull(),
    /** The bucket's start: created_at (the request's start) rounded down to a multiple of bucket_seconds since the epoch. */
    bucketStart: timestamp('bucket_start', { withTimezone: true, mode: 'date' }).notNull(),
    /** '' for a missing provider or model (a refusal), as in spend_daily: a primary key cannot hold NULL. */
    provider: text('provider').notNull().default(''),
    model: text('model').notNull().default(''),
    requests: count('requests'),
    /** Rows with status 400 and up. */
    errors: count('errors'),
    promptTokens: count('prompt_tokens'),
    completionTokens: count('completion_tokens'),
    totalTokens: count('total_tokens'),
    costUsd: numeric('cost_usd', { precision: 24, scale: 11, mode: 'number' }).notNull().default(0),
    /** Attempts beyond the first, summed. */
    retries: count('retries'),
    /** Answered rows with an attempt on another deployment than the one that answered. */
    fallbacks: count('fallbacks'),
    rateLimited: count('rate_limited'),
    budgetRefused: count('budget_refused'),
    /** latency_ms and ttft_ms counted into the buckets of latency-histogram.ts (rows without a TTFT not at all). */
    ...histogram('latency'),
    ...histogram('ttft'),
  },
  (t) => [
    // Upserts lock rows in this order (the fold sorts by it), so concurrent writers cannot deadlock; a window's read
    // is a range of it.
    primaryKey({ name: 'overview_rollups_pk', columns: [t.bucketSeconds!, t.bucketStart!, t.provider!, t.model!] }),
  ],
);
