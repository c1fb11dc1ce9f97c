// GET /admin/budgets: every team and live key with a budget, and what it spent in its current period, summed over
// the daily rollups (spend_daily, on its (subject, day) indexes): the raw rows took seconds at 2M rows.
import { and, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { teams, virtualKeys } from '../../keys/schema.js';
import type { LogDb } from '../../request-log/db.js';
import { spendDaily as r } from '../../request-log/spend-schema.js';
import { answers, tags } from './common.js';
import { budgetListSchema } from './console-shapes.js';

type Budget = z.infer<typeof budgetListSchema>['data'][number];

/** Start of the current day, ISO week (Monday) and month in UTC; `total` has none. */
export function periodStarts(now = new Date()): Record<'day' | 'week' | 'month', Date> {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const week = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { day, week, month };
}

function periodStartSql(period: typeof teams.budgetPeriod | typeof virtualKeys.budgetPeriod, starts: Record<'day' | 'week' | 'month', Date>): SQL {
  return sql`case ${period} when 'day' then ${starts.day.toISOString()}::timestamptz when 'week' then ${starts.week.toISOString()}::timestamptz when 'month' then ${starts.month.toISOString()}::timestamptz end`;
}

export function budgetQueries(db: LogDb, now = new Date()) {
  const starts = periodStarts(now);
  const keyStart = periodStartSql(virtualKeys.budgetPeriod, starts);
  const teamStart = periodStartSql(teams.budgetPeriod, starts);
  // A join (not a correlated subquery) so drizzle qualifies every column; `total` has no start: -infinity.
  // The period starts are UTC midnights; read in UTC so the session's TimeZone cannot shift the day.
  const inPeriod = (start: SQL) => sql`${r.day} >= coalesce((${start} at time zone 'UTC')::date, '-infinity'::date)`;
  const used = sql<string>`coalesce(sum(${r.costUsd}), 0)`;
  const keys = db
    .select({ id: virtualKeys.id, name: virtualKeys.name, budgetUsd: virtualKeys.budgetUsd, budgetPeriod: virtualKeys.budgetPeriod, periodStart: keyStart, used })
    .from(virtualKeys)
    .leftJoin(r, and(eq(r.keyId, virtualKeys.id), inPeriod(keyStart)))
    .where(and(isNotNull(virtualKeys.budgetUsd), isNull(virtualKeys.revokedAt)))
    .groupBy(virtualKeys.id)
    .orderBy(virtualKeys.id);
  const teamRows = db
    .select({ id: teams.id, name: teams.name, budgetUsd: teams.budgetUsd, budgetPeriod: teams.budgetPeriod, periodStart: teamStart, used })
    .from(teams)
    .leftJoin(r, and(eq(r.teamId, teams.id), inPeriod(teamStart)))
    .where(isNotNull(teams.budgetUsd))
    .groupBy(teams.id)
    .orderBy(teams.id);
  return { keys, teams: teamRows };
}

interface BudgetRow {
  id: string;
  name: string | null;
  budgetUsd: number | null;
  budgetPeriod: string | null;
  periodStart: unknown;
  used: string | number;
}

const view = (subject: Budget['subject'], row: BudgetRow): Budget => ({
  subject,
  id: row.id,
  name: row.name,
  budget_usd: Number(row.budgetUsd),
  budget_period: row.budgetPeriod ?? 'total',
  used_usd: Number(row.used),
  // Both drivers hand a computed timestamptz back as text; PGlite as a Date.
  period_start: row.periodStart === null || row.periodStart === undefined ? null : new Date(row.periodStart as string | Date).toISOString(),
});

export async function budgets(db: LogDb, now = new Date()): Promise<z.infer<typeof budgetListSchema>> {
  const q = budgetQueries(db, now);
  const [teamRows, keyRows] = await Promise.all([q.teams, q.keys]);
  return { object: 'list', data: [...teamRows.map((row) => view('team', row)), ...keyRows.map((row) => view('key', row))] };
}

export function registerBudgets(admin: FastifyInstance, db: LogDb): void {
  admin.get(
    '/admin/budgets',
    { schema: { summary: "Teams' and keys' budgets with the spend of their current period", tags, response: answers(budgetListSchema) } },
    async () => budgets(db),
  );
}
