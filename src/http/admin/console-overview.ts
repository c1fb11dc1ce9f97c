// GET /admin/overview: the window's totals, a server-bucketed series and the per-model table in one SQL aggregate
// over the overview rollups (grouping sets; percentiles from the summed latency histograms), plus the breaker trips
// the health registry counted. Reading the raw rows took 1.4–8.5 s for a day or a week at 2M rows.
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { LogDb } from '../../request-log/db.js';
import { bucketColumn, HISTOGRAM_BUCKETS, histogramPercentile } from '../../request-log/latency-histogram.js';
import { overviewRollups as o, ROLLUP_WIDTHS } from '../../request-log/overview-schema.js';
import type { HealthTracker } from '../../routing/health.js';
import { answers, tags } from './common.js';
import { overviewQuery, overviewSchema, WINDOWS, type WindowName } from './console-shapes.js';

/** What the benchmark times and explains: a drizzle query (awaitable, and its SQL). */
export interface Query<T> extends PromiseLike<T> {
  toSQL(): { sql: string; params: unknown[] };
}

const num = (value: unknown): number => Number(value ?? 0);
const round2 = (value: number | null): number | null => (value === null ? null : Math.round(value * 100) / 100);
const total = (column: string) => sql<string>`coalesce(sum(${sql.identifier(column)}), 0)`;

/**
 * The summed buckets of one histogram as one text field ("{0,3,…}"): one field, not 82, for the driver and drizzle to
 * map per row, and split here rather than by the driver's array parser, which cost ~8 ms of client CPU for the
 * hour's 69 rows (measured against the 2M-row bench database).
 */
const histogramSums = (histogram: 'latency' | 'ttft') =>
  sql<string>`array[${sql.raw(Array.from({ length: HISTOGRAM_BUCKETS }, (_, b) => `coalesce(sum(${bucketColumn(histogram, b)}), 0)`).join(', '))}]::text`;
const counts = (text: string | undefined): number[] => (text ? text.slice(1, -1).split(',').map(Number) : []);

export function overviewWindow(window: WindowName, now = Date.now()): { from: Date; to: Date; bucketSeconds: number } {
  const { ms, bucketSeconds } = WINDOWS[window];
  // The window ends at the end of the current bucket, so every bucket of the series is a whole one.
  const end = Math.ceil(now / (bucketSeconds * 1000)) * bucketSeconds * 1000;
  return { from: new Date(end - ms), to: new Date(end), bucketSeconds };
}

/** The widest stored rollup that a series bucket is a whole number of (the window's edges fall on its edges too). */
export function rollupWidth(bucketSeconds: number): number {
  const width = [...ROLLUP_WIDTHS].reverse().find((w) => bucketSeconds % w === 0);
  if (width === undefined) throw new Error(`no overview rollup divides a ${bucketSeconds} s bucket`);
  return width;
}

export function overviewQueries(db: LogDb, from: Date, to: Date, bucketSeconds: number) {
  const inWindow = and(eq(o.bucketSeconds, rollupWidth(bucketSeconds)), gte(o.bucketStart, from), lt(o.bucketStart, to));
  const bucket = sql<string | null>`floor(extract(epoch from ${o.bucketStart}) / ${sql.raw(String(bucketSeconds))})`;
  // One read of the window's rollup rows for the three tables: the totals (the empty grouping set), a row per bucket
  // and a row per deployment.
  const figures = db
    .select({
      byBucket: sql<number>`grouping(${bucket})`,
      byModel: sql<number>`grouping(${o.provider}, ${o.model})`,
      bucket,
      provider: o.provider,
      model: o.model,
      requests: total('requests'),
      errors: total('errors'),
      promptTokens: total('prompt_tokens'),
      completionTokens: total('completion_tokens'),
      tokens: total('total_tokens'),
      cost: total('cost_usd'),
      retries: total('retries'),
      fallbacks: total('fallbacks'),
      rateLimited: total('rate_limited'),
      budgetRefused: total('budget_refused'),
      latency: histogramSums('latency'),
      ttft: histogramSums('ttft'),
    })
    .from(o)
    .where(inWindow)
    .groupBy(sql`grouping sets ((${bucket}), (${o.provider}, ${o.model}), ())`);
  return { figures };
}

type FigureRow = { latency: string; ttft: string } | undefined;
const percentile = (text: string | undefined, fraction: number) => round2(histogramPercentile(counts(text), fraction));
const latency = (row: FigureRow, fraction: number) => percentile(row?.latency, fraction);
const ttft = (row: FigureRow, fraction: number) => percentile(row?.ttft, fraction);
/** '' stands for a missing provider or model in the rollups (a refusal's): the answer says null, as the rows do. */
const dimension = (value: string | null): string | null => (value === '' ? null : value);

/** Deployments listed at most, busiest first. */
const MAX_MODELS = 100;

export async function overview(db: LogDb, health: HealthTracker, window: WindowName, now = Date.now()): Promise<z.infer<typeof overviewSchema>> {
  const { from, to, bucketSeconds } = overviewWindow(window, now);
  const figures = await overviewQueries(db, from, to, bucketSeconds).figures;
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
      p50_ms: latency(row, 0.5),
      p99_ms: latency(row, 0.99),
      ttft_p50_ms: ttft(row, 0.5),
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
      p50_ms: latency(t, 0.5),
      p99_ms: latency(t, 0.99),
      ttft_p50_ms: ttft(t, 0.5),
      prompt_tokens: num(t?.promptTokens),
      completion_tokens: num(t?.completionTokens),
      cost_usd: num(t?.cost),
      fallbacks: num(t?.fallbacks),
      retries: num(t?.retries),
      rate_limited: num(t?.rateLimited),
      budget_refused: num(t?.budgetRefused),
      breaker_trips: health.tripsSince(from.getTime()),
    },
    series: points,
    by_model: byModel.slice(0, MAX_MODELS).map((row) => ({
      provider: dimension(row.provider),
      model: dimension(row.model),
      requests: num(row.requests),
      errors: num(row.errors),
      p50_ms: latency(row, 0.5),
      tokens: num(row.tokens),
      cost_usd: num(row.cost),
    })),
  };
}

export function registerOverview(admin: FastifyInstance, db: LogDb, health: HealthTracker): void {
  admin.get(
    '/admin/overview',
    { schema: { summary: 'Console overview: totals, a bucketed series and per-model figures over the last hour, day or week', tags, querystring: overviewQuery, response: answers(overviewSchema) } },
    async (req) => overview(db, health, (req.query as z.infer<typeof overviewQuery>).window),
  );
}
