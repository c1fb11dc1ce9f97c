// Spend grouped by key, team, model, provider or UTC day within an optional [from, to) window: from the daily rollups
// when the window is whole UTC days (or open), summed over the request log rows otherwise.
import { and, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { LogDb } from '../request-log/db.js';
import { requestLogs } from '../request-log/schema.js';
import { numbers, rollupKeyUsage, rollupSpendBy, wholeDays } from './spend-rollups.js';

export const SPEND_GROUPS = ['key', 'team', 'model', 'provider', 'day'] as const;
export type SpendGroup = (typeof SPEND_GROUPS)[number];

const when = z.iso.datetime({ offset: true }).transform((text) => new Date(text)).optional();
export const windowQuery = { from: when, to: when };
export const spendQuery = z.object({ group_by: z.enum(SPEND_GROUPS).default('key'), ...windowQuery });

export interface SpendTotals {
  cost_usd: number;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
}

const GROUP_COLUMN: Record<SpendGroup, SQL<string | null>> = {
  key: sql`${requestLogs.keyId}`,
  team: sql`${requestLogs.teamId}`,
  model: sql`${requestLogs.model}`,
  provider: sql`${requestLogs.provider}`,
  day: sql`to_char(${requestLogs.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`,
};

// Sums of numeric columns come back as text from both drivers; coalesce keeps an empty window at 0.
const totals = {
  cost_usd: sql<string>`coalesce(sum(${requestLogs.costUsd}), 0)`,
  requests: sql<string>`count(*)`,
  prompt_tokens: sql<string>`coalesce(sum(${requestLogs.promptTokens}), 0)`,
  completion_tokens: sql<string>`coalesce(sum(${requestLogs.completionTokens}), 0)`,
};

function inWindow(from: Date | undefined, to: Date | undefined, extra?: SQL): SQL | undefined {
  const conditions: SQL[] = [];
  if (from) conditions.push(gte(requestLogs.createdAt, from));
  if (to) conditions.push(lt(requestLogs.createdAt, to));
  if (extra) conditions.push(extra);
  return and(...conditions);
}

/** The grouped sums over raw rows as a query (the console benchmark explains it). */
export function spendByQuery(db: LogDb, group: SpendGroup, from?: Date, to?: Date) {
  const column = GROUP_COLUMN[group];
  return db
    .select({ group: column, ...totals })
    .from(requestLogs)
    .where(inWindow(from, to))
    .groupBy(column)
    .orderBy(column);
}

export async function spendBy(db: LogDb, group: SpendGroup, from?: Date, to?: Date): Promise<Array<SpendTotals & { group: string | null }>> {
  if (wholeDays(from, to)) return rollupSpendBy(db, group, from, to);
  const rows = await spendByQuery(db, group, from, to);
  return rows.map((row) => ({ group: row.group, ...numbers(row) }));
}

export async function keyUsage(db: LogDb, keyId: string, from?: Date, to?: Date): Promise<SpendTotals> {
  if (wholeDays(from, to)) return rollupKeyUsage(db, keyId, from, to);
  const [row] = await db.select(totals).from(requestLogs).where(inWindow(from, to, eq(requestLogs.keyId, keyId)));
  return numbers(row ?? { cost_usd: 0, requests: 0, prompt_tokens: 0, completion_tokens: 0 });
}
