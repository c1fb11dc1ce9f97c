// Spend summed over the request log rows (the rollups of the next round will answer the same questions faster):
// grouped by key, team, model, provider or UTC day, within an optional [from, to) window.
import { and, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { LogDb } from '../request-log/db.js';
import { requestLogs } from '../request-log/schema.js';

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

function numbers(row: Record<keyof SpendTotals, string | number>): SpendTotals {
  return {
    cost_usd: Number(row.cost_usd),
    requests: Number(row.requests),
    prompt_tokens: Number(row.prompt_tokens),
    completion_tokens: Number(row.completion_tokens),
  };
}

function inWindow(from: Date | undefined, to: Date | undefined, extra?: SQL): SQL | undefined {
  const conditions: SQL[] = [];
  if (from) conditions.push(gte(requestLogs.createdAt, from));
  if (to) conditions.push(lt(requestLogs.createdAt, to));
  if (extra) conditions.push(extra);
  return and(...conditions);
}

/** The grouped sums as a query (the console benchmark explains it). */
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
  const rows = await spendByQuery(db, group, from, to);
  return rows.map((row) => ({ group: row.group, ...numbers(row) }));
}

export async function keyUsage(db: LogDb, keyId: string, from?: Date, to?: Date): Promise<SpendTotals> {
  const [row] = await db.select(totals).from(requestLogs).where(inWindow(from, to, eq(requestLogs.keyId, keyId)));
  return numbers(row ?? { cost_usd: 0, requests: 0, prompt_tokens: 0, completion_tokens: 0 });
}
