// Spend read from the daily rollups (spend_daily) instead of the request log rows: where budgets start when a replica
// starts, and /admin/spend over whole UTC days.
import { and, eq, gte, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { LogDb } from '../request-log/db.js';
import { spendDaily } from '../request-log/spend-schema.js';
import type { SpendGroup, SpendTotals } from './spend.js';

const DAY_MS = 86_400_000;

/** The UTC day holding `at`, as spend_daily.day holds it. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** True when a window can be answered from the rollups: each bound absent or a UTC midnight. */
export function wholeDays(from?: Date, to?: Date): boolean {
  return (from === undefined || from.getTime() % DAY_MS === 0) && (to === undefined || to.getTime() % DAY_MS === 0);
}

export interface SpendSinceQuery {
  since: Date;
  /** Only these keys (all keys when absent). */
  keyIds?: string[];
  /** Only these teams (all teams when absent). */
  teamIds?: string[];
}

export interface SpendSince {
  keys: Map<string, number>;
  teams: Map<string, number>;
}

/** Sums of numeric columns come back as text from both drivers. */
const costSum = sql<string>`sum(${spendDaily.costUsd})`;

async function costBy(db: LogDb, column: typeof spendDaily.keyId | typeof spendDaily.teamId, since: string, ids: string[] | undefined): Promise<Map<string, number>> {
  const spent = new Map<string, number>();
  if (ids?.length === 0) return spent;
  // '' is the static keys' missing key or team: no budget belongs to it.
  const rows = await db
    .select({ id: column, cost: costSum })
    .from(spendDaily)
    .where(and(gte(spendDaily.day, since), ids ? inArray(column, ids) : ne(column, '')))
    .groupBy(column);
  for (const row of rows) spent.set(row.id, Number(row.cost));
  return spent;
}

/**
 * USD spent per key and per team on the rollup days from the UTC day of `since` on. Budgets run per UTC day, ISO week,
 * month or in total, all of which start at a UTC midnight, so day granularity is exact for them.
 */
export async function spendSince(db: LogDb, query: SpendSinceQuery): Promise<SpendSince> {
  const since = utcDay(query.since);
  const [keys, teams] = await Promise.all([costBy(db, spendDaily.keyId, since, query.keyIds), costBy(db, spendDaily.teamId, since, query.teamIds)]);
  return { keys, teams };
}

const GROUP_COLUMN: Record<SpendGroup, SQL<string | null>> = {
  key: sql`nullif(${spendDaily.keyId}, '')`,
  team: sql`nullif(${spendDaily.teamId}, '')`,
  model: sql`nullif(${spendDaily.model}, '')`,
  provider: sql`nullif(${spendDaily.provider}, '')`,
  day: sql`to_char(${spendDaily.day}, 'YYYY-MM-DD')`,
};

const totals = {
  cost_usd: sql<string>`coalesce(sum(${spendDaily.costUsd}), 0)`,
  requests: sql<string>`coalesce(sum(${spendDaily.requests}), 0)`,
  prompt_tokens: sql<string>`coalesce(sum(${spendDaily.promptTokens}), 0)`,
  completion_tokens: sql<string>`coalesce(sum(${spendDaily.completionTokens}), 0)`,
};

function inDays(from: Date | undefined, to: Date | undefined, extra?: SQL): SQL | undefined {
  const conditions: SQL[] = [];
  if (from) conditions.push(gte(spendDaily.day, utcDay(from)));
  if (to) conditions.push(lt(spendDaily.day, utcDay(to)));
  if (extra) conditions.push(extra);
  return and(...conditions);
}

export function numbers(row: Record<keyof SpendTotals, string | number>): SpendTotals {
  return {
    cost_usd: Number(row.cost_usd),
    requests: Number(row.requests),
    prompt_tokens: Number(row.prompt_tokens),
    completion_tokens: Number(row.completion_tokens),
  };
}

/** The rollups' answer to spendBy for a window of whole UTC days ([from, to), either bound optional). */
export async function rollupSpendBy(db: LogDb, group: SpendGroup, from?: Date, to?: Date): Promise<Array<SpendTotals & { group: string | null }>> {
  const rows = await rollupSpendByQuery(db, group, from, to);
  return rows.map((row) => ({ group: row.group, ...numbers(row) }));
}

/** rollupSpendBy's statement (the console benchmark explains it). */
export function rollupSpendByQuery(db: LogDb, group: SpendGroup, from?: Date, to?: Date) {
  const column = GROUP_COLUMN[group];
  return db.select({ group: column, ...totals }).from(spendDaily).where(inDays(from, to)).groupBy(column).orderBy(column);
}

/** The rollups' answer to keyUsage for a window of whole UTC days. */
export async function rollupKeyUsage(db: LogDb, keyId: string, from?: Date, to?: Date): Promise<SpendTotals> {
  const [row] = await db.select(totals).from(spendDaily).where(inDays(from, to, eq(spendDaily.keyId, keyId)));
  return numbers(row ?? { cost_usd: 0, requests: 0, prompt_tokens: 0, completion_tokens: 0 });
}
