// STAND-IN until the spend_daily rollups land (branch gov/rollups owns this file and replaces it): the spend since a
// date per key and per team, here summed straight from request_logs.cost_usd, with the rollups' signature.
import { and, gte, inArray, isNotNull, sql } from 'drizzle-orm';
import type { LogDb } from '../request-log/db.js';
import { requestLogs } from '../request-log/schema.js';

export interface SpendSinceQuery {
  since: Date;
  keyIds?: string[];
  teamIds?: string[];
}

export interface SpendSince {
  keys: Map<string, number>;
  teams: Map<string, number>;
}

const total = sql<string>`coalesce(sum(${requestLogs.costUsd}), 0)`;

export async function spendSince(db: LogDb, query: SpendSinceQuery): Promise<SpendSince> {
  const result: SpendSince = { keys: new Map(), teams: new Map() };
  const since = gte(requestLogs.createdAt, query.since);
  if (query.keyIds?.length) {
    const rows = await db
      .select({ id: requestLogs.keyId, usd: total })
      .from(requestLogs)
      .where(and(since, inArray(requestLogs.keyId, query.keyIds)))
      .groupBy(requestLogs.keyId);
    for (const row of rows) if (row.id) result.keys.set(row.id, Number(row.usd));
  }
  if (query.teamIds?.length) {
    const rows = await db
      .select({ id: requestLogs.teamId, usd: total })
      .from(requestLogs)
      .where(and(since, isNotNull(requestLogs.teamId), inArray(requestLogs.teamId, query.teamIds)))
      .groupBy(requestLogs.teamId);
    for (const row of rows) if (row.id) result.teams.set(row.id, Number(row.usd));
  }
  return result;
}
