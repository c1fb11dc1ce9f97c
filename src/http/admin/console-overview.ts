// GET /admin/overview: the window's totals, a server-bucketed series and the per-model table in one SQL aggregate
// over request_logs (grouping sets, percentiles by percentile_cont), plus the breaker trips the health registry counted.
import { and, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { LogDb } from '../../request-log/db.js';
import { requestLogs as r, upstreamAttempts as a } from '../../request-log/schema.js';
import type { HealthTracker } from '../../routing/health.js';
import { answers, tags } from './common.js';
import { overviewQuery, overviewSchema, WINDOWS, type WindowName } from './console-shapes.js';

/** What the benchmark times and explains: a drizzle query (awaitable, and its SQL). */
export interface Query<T> extends PromiseLike<T> {
  toSQL(): { sql: string; params: unknown[] };
}

const num = (value: unknown): number => Number(value ?? 0);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Math.round(Number(value) * 100) / 100);

const p = (fraction: number, column: SQL | typeof r.latencyMs) => sql<number | null>`percentile_cont(${sql.raw(String(fraction))}) within group (order by ${column})`;
const errors = sql<string>`count(*) filter (where ${r.status} >= 400)`;
const tokens = sql<string>`coalesce(sum(${r.totalTokens}), 0)`;
const cost = sql<string>`coalesce(sum(${r.costUsd}), 0)`;

export function overviewWindow(window: WindowName, now = Date.now()): { from: Date; to: Date; bucketSeconds: number } {
  const { ms, bucketSeconds } = WINDOWS[window];
  // The window ends at the end of the current bucket, so every bucket of the series is a whole one.
  const end = Math.ceil(now / (bucketSeconds * 1000)) * bucketSeconds * 1000;
  return { from: new Date(end - ms), to: new Date(end), bucketSeconds };
}

export function overviewQueries(db: LogDb, from: Date, to: Date, bucketSeconds: number) {
  const inWindow = and(gte(r.createdAt, from), lt(r.createdAt, to));
  const bucket = sql<string | null>`floor(extract(epoch from ${r.createdAt}) / ${sql.raw(String(bucketSeconds))})`;
  // One scan of the window for the three tables: the totals (the empty grouping set), a row per bucket and a row per
  // deployment; reading the window once is what costs at millions of rows, not the three sorts after it.
  const figures = db
    .select({
      byBucket: sql<number>`grouping(${bucket})`,
      byModel: sql<number>`grouping(${r.provider}, ${r.model})`,
      bucket,
      provider: r.provider,
      model: r.model,
      requests: sql<string>`count(*)`,
      errors,
      p50: p(0.5, r.latencyMs),
      p99: p(0.99, r.latencyMs),
      ttftP50: p(0.5, sql`${r.ttftMs}`),
      promptTokens: sql<string>`coalesce(sum(${r.promptTokens}), 0)`,
      completionTokens: sql<string>`coalesce(sum(${r.completionTokens}), 0)`,
      tokens,
      cost,
      retries: sql<string>`coalesce(sum(${r.attempts} - 1) filter (where ${r.attempts} > 1), 0)`,
      rateLimited: sql<string>`count(*) filter (where ${r.errorCode} = 'rate_limit_exceeded')`,
      budgetRefused: sql<string>`count(*) filter (where ${r.errorCode} = 'insufficient_quota')`,
    })
    .from(r)
    .where(inWindow)
    .groupBy(sql`grouping sets ((${bucket}), (${r.provider}, ${r.model}), ())`);
  // An answered row whose attempts include another deployment than the one that answered: a fallback fired.
  const fallbacks = db
    .select({ fallbacks: sql<string>`count(*)` })
    .from(r)
    .where(
      and(
        inWindow,
        sql`${r.attempts} > 1 and ${r.status} < 400`,
        sql`exists (select 1 from ${a} where ${a.requestId} = ${r.id} and (${a.provider} <> ${r.provider} or ${a.model} <> ${r.model}))`,
      ),
    );
  return { figures, fallbacks };
}

/** Deployments listed at most, busiest first. */
const MAX_MODELS = 100;

export async function overview(db: LogDb, health: HealthTracker, window: WindowName, now = Date.now()): Promise<z.infer<typeof overviewSchema>> {
  const { from, to, bucketSeconds } = overviewWindow(window, now);
  const q = overviewQueries(db, from, to, bucketSeconds);
  const [figures, [f]] = await Promise.all([q.figures, q.fallbacks]);
  // grouping() is non-zero when the row is not grouped by those columns: the totals row is grouped by neither.
  const t = figures.find((row) => num(row.byBucket) !== 0 && num(row.byModel) !== 0);
  const series = figures.filter((row) => num(row.byBucket) === 0);
  const byModel = figures.filter((row) => num(row.byModel) === 0).sort((x, y) => num(y.requests) - num(x.requests));
  const requests = num(t?.requests);
  const errorCount = num(t?.errors);
  const byBucket = new Map(series.map((row) => [num(row.bucket), row]));
  const points: z.infer<typeof overviewSchema>['series'] = [];
  // Empty buckets are zeros, so a chart's x axis is the whole window.
  for (let b = from.getTime() / 1000 / bucketSeconds; b < to.getTime() / 1000 / bucketSeconds; b++) {
    const row = byBucket.get(b);
    points.push({
      t: new Date(b * bucketSeconds * 1000).toISOString(),
      requests: num(row?.requests),
      errors: num(row?.errors),
      p50_ms: numOrNull(row?.p50),
      p99_ms: numOrNull(row?.p99),
      ttft_p50_ms: numOrNull(row?.ttftP50),
      tokens: num(row?.tokens),
      cost_usd: num(row?.cost),
    });
  }
  return {
    object: 'overview',
    window,
    bucket_seconds: bucketSeconds,
    from: from.toISOString(),
    to: to.toISOString(),
    totals: {
      requests,
      errors: errorCount,
      error_rate: requests === 0 ? 0 : errorCount / requests,
      p50_ms: numOrNull(t?.p50),
      p99_ms: numOrNull(t?.p99),
      ttft_p50_ms: numOrNull(t?.ttftP50),
      prompt_tokens: num(t?.promptTokens),
      completion_tokens: num(t?.completionTokens),
      cost_usd: num(t?.cost),
      fallbacks: num(f?.fallbacks),
      retries: num(t?.retries),
      rate_limited: num(t?.rateLimited),
      budget_refused: num(t?.budgetRefused),
      breaker_trips: health.tripsSince(from.getTime()),
    },
    series: points,
    by_model: byModel.slice(0, MAX_MODELS).map((row) => ({ provider: row.provider, model: row.model, requests: num(row.requests), errors: num(row.errors), p50_ms: numOrNull(row.p50), tokens: num(row.tokens), cost_usd: num(row.cost) })),
  };
}

export function registerOverview(admin: FastifyInstance, db: LogDb, health: HealthTracker): void {
  admin.get(
    '/admin/overview',
    { schema: { summary: 'Console overview: totals, a bucketed series and per-model figures over the last hour, day or week', tags, querystring: overviewQuery, response: answers(overviewSchema) } },
    async (req) => overview(db, health, (req.query as z.infer<typeof overviewQuery>).window),
  );
}
