// The overview rollups as the tests check them: request_logs and upstream_attempts folded per (bucket width, bucket
// start, provider, model) in JS, each latency filed into the bucket whose bounds hold it, next to what
// overview_rollups holds, and the assertion that the two agree (cost within 1e-9 USD, every count exactly).
import { expect } from 'vitest';
import type { LogDb } from '../../src/request-log/db.js';
import { bucketBounds, bucketColumn, HISTOGRAM_BUCKETS } from '../../src/request-log/latency-histogram.js';
import { overviewRollups, requestLogs, ROLLUP_WIDTHS, upstreamAttempts } from '../../src/request-log/schema.js';
import { expectSameSums } from './spend-sums.js';

export interface BucketSums {
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  retries: number;
  fallbacks: number;
  rateLimited: number;
  budgetRefused: number;
  latency: number[];
  ttft: number[];
  costUsd: number;
}

const zero = (): BucketSums => ({
  requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, retries: 0, fallbacks: 0, rateLimited: 0, budgetRefused: 0,
  latency: new Array<number>(HISTOGRAM_BUCKETS).fill(0), ttft: new Array<number>(HISTOGRAM_BUCKETS).fill(0), costUsd: 0,
});

/** The bucket whose [lower, upper) holds `ms`, found from the bounds alone (not by the formula the SQL uses). */
export function bucketOf(ms: number): number {
  for (let b = 0; b < HISTOGRAM_BUCKETS; b++) {
    const [lower, upper] = bucketBounds(b);
    if (ms >= lower && ms < upper) return b;
  }
  throw new Error(`no bucket holds ${ms}`);
}

export const overviewKey = (width: number, start: Date, provider: string | null, model: string | null) => [width, start.toISOString(), provider ?? '', model ?? ''].join('|');

export async function rowOverviewSums(db: LogDb): Promise<Map<string, BucketSums>> {
  const attempts = await db.select().from(upstreamAttempts);
  const sums = new Map<string, BucketSums>();
  for (const row of await db.select().from(requestLogs)) {
    const fellBack = row.attempts > 1 && row.status < 400 && attempts.some((a) => a.requestId === row.id && (a.provider !== row.provider || a.model !== row.model));
    for (const width of ROLLUP_WIDTHS) {
      const start = new Date(Math.floor(row.createdAt.getTime() / (width * 1000)) * width * 1000);
      const key = overviewKey(width, start, row.provider, row.model);
      const s = sums.get(key) ?? zero();
      s.requests++;
      if (row.status >= 400) s.errors++;
      s.promptTokens += row.promptTokens ?? 0;
      s.completionTokens += row.completionTokens ?? 0;
      s.totalTokens += row.totalTokens ?? 0;
      s.retries += Math.max(0, row.attempts - 1);
      if (fellBack) s.fallbacks++;
      if (row.errorCode === 'rate_limit_exceeded') s.rateLimited++;
      if (row.errorCode === 'insufficient_quota') s.budgetRefused++;
      s.latency[bucketOf(row.latencyMs)]!++;
      if (row.ttftMs !== null) s.ttft[bucketOf(row.ttftMs)]!++;
      s.costUsd += row.costUsd ?? 0;
      sums.set(key, s);
    }
  }
  return sums;
}

export async function rollupOverviewSums(db: LogDb): Promise<Map<string, BucketSums>> {
  const sums = new Map<string, BucketSums>();
  for (const r of await db.select().from(overviewRollups)) {
    const histogram = (name: 'latency' | 'ttft') => Array.from({ length: HISTOGRAM_BUCKETS }, (_, b) => Number((r as Record<string, unknown>)[bucketColumn(name, b)]));
    sums.set(overviewKey(r.bucketSeconds, r.bucketStart, r.provider, r.model), {
      requests: r.requests, errors: r.errors, promptTokens: r.promptTokens, completionTokens: r.completionTokens, totalTokens: r.totalTokens,
      retries: r.retries, fallbacks: r.fallbacks, rateLimited: r.rateLimited, budgetRefused: r.budgetRefused,
      latency: histogram('latency'), ttft: histogram('ttft'), costUsd: Number(r.costUsd),
    });
  }
  return sums;
}

/** Every rollup row equals the folded log rows, and there is at least one (an empty table proves nothing). */
export async function expectOverviewMatchesRows(db: LogDb): Promise<Map<string, BucketSums>> {
  const want = await rowOverviewSums(db);
  expect(want.size).toBeGreaterThan(0);
  expectSameSums(await rollupOverviewSums(db), want);
  return want;
}
