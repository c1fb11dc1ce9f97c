// The overview rollups as the log writer folds them (PGlite; the Postgres server too when DATABASE_URL is set, in a
// database of its own): per bucket width, bucket, provider and model equal to what the raw rows give, histograms
// included; a re-sent batch counted once; a fallback told from a retry by the batch's own attempts; and the overview
// endpoint's figures equal to the raw rows', its percentiles the bound of the histogram bucket holding the raw one.
import { describe, expect, it } from 'vitest';
import { overview } from '../../src/http/admin/console-overview.js';
import { bucketBounds, histogramPercentile } from '../../src/request-log/latency-histogram.js';
import { overviewRollups, requestLogs, upstreamAttempts } from '../../src/request-log/schema.js';
import { LogStore, type LogEntry } from '../../src/request-log/store.js';
import { HealthTracker } from '../../src/routing/health.js';
import { bucketOf, expectOverviewMatchesRows, overviewKey } from '../helpers/overview-sums.js';
import { fileDatabase } from '../helpers/fresh-database.js';

const BACKEND = process.env.DATABASE_URL ? 'PostgreSQL server' : 'PGlite';
const database = fileDatabase();

async function emptyStore(): Promise<LogStore> {
  await database().db.delete(requestLogs);
  await database().db.delete(upstreamAttempts);
  await database().db.delete(overviewRollups);
  return new LogStore(database());
}

interface Shape {
  at: string;
  provider?: string | null;
  model?: string | null;
  status?: number;
  latencyMs?: number;
  ttftMs?: number | null;
  errorCode?: string | null;
  /** The deployments tried before the one that answered (or failed last). */
  before?: Array<[string, string]>;
  cost?: number | null;
}

let serial = 0;
function entry(shape: Shape): LogEntry {
  const id = `overview-${process.pid}-${++serial}`;
  const createdAt = new Date(shape.at);
  const provider = shape.provider === undefined ? 'openai' : shape.provider;
  const model = shape.model === undefined ? 'gpt-4o-mini' : shape.model;
  const status = shape.status ?? 200;
  const tried = [...(shape.before ?? []), ...(provider && model ? [[provider, model] as [string, string]] : [])];
  return {
    request: {
      id, createdAt, endpoint: '/v1/chat/completions', status, latencyMs: shape.latencyMs ?? 120, ttftMs: shape.ttftMs ?? null, stream: shape.ttftMs != null,
      attempts: tried.length, partial: false, keyId: 'key_a', teamId: 'team_a', provider, model, errorCode: shape.errorCode ?? null,
      promptTokens: status < 400 ? 100 : null, completionTokens: status < 400 ? 20 : null, totalTokens: status < 400 ? 120 : null,
      costUsd: shape.cost === undefined ? 0.00001234567 : shape.cost,
    },
    attempts: tried.map(([p, m], i) => ({ id: `${id}#${i + 1}`, requestId: id, attempt: i + 1, startedAt: createdAt, provider: p, model: m, status: i === tried.length - 1 ? status : 503, latencyMs: 5 })),
  };
}

const mixed = (): LogEntry[] => [
  entry({ at: '2026-03-04T10:00:00.000Z', latencyMs: 0, ttftMs: 0 }),
  entry({ at: '2026-03-04T10:00:59.999Z', latencyMs: 1 }),
  entry({ at: '2026-03-04T10:01:00.000Z', latencyMs: 300, ttftMs: 40 }),
  // 20-minute edges: 10:19:59 and 10:20:00 fall in different wide buckets.
  entry({ at: '2026-03-04T10:19:59.000Z', latencyMs: 304, ttftMs: 41 }),
  entry({ at: '2026-03-04T10:20:00.000Z', latencyMs: 2 ** 20, ttftMs: 2 ** 20 - 1 }),
  entry({ at: '2026-03-04T10:20:00.000Z', model: 'gpt-4o', latencyMs: 5_000, before: [['anthropic', 'claude']] }),
  entry({ at: '2026-03-04T10:20:01.000Z', latencyMs: 700, before: [['openai', 'gpt-4o-mini']] }),
  entry({ at: '2026-03-04T10:20:02.000Z', status: 429, errorCode: 'rate_limit_exceeded', cost: null }),
  entry({ at: '2026-03-04T10:20:02.000Z', status: 502, errorCode: 'bad_gateway', before: [['anthropic', 'claude']], cost: null }),
  // Refused before routing: no provider, model or attempt.
  entry({ at: '2026-03-04T10:20:03.000Z', provider: null, model: null, status: 402, errorCode: 'insufficient_quota', latencyMs: 2, cost: null }),
];

describe(`overview rollups (${BACKEND})`, () => {
  it('files a latency into the bucket whose bounds hold it', () => {
    for (const ms of [0, 1, 2, 3, 299, 300, 304, 305, 1_000, 2 ** 20 - 1, 2 ** 20, 10 ** 9]) {
      const [lower, upper] = bucketBounds(bucketOf(ms));
      expect(ms).toBeGreaterThanOrEqual(lower);
      expect(ms).toBeLessThan(upper);
    }
  });

  it('folds a batch into each bucket width, fallbacks, retries, refusals and histograms equal to the raw rows', async () => {
    const store = await emptyStore();
    await store.insert(mixed());
    const sums = await expectOverviewMatchesRows(database().db);
    const wide = sums.get(overviewKey(1_200, new Date('2026-03-04T10:20:00.000Z'), 'openai', 'gpt-4o-mini'))!;
    // The row after a same-deployment attempt is a retry only; the one after another deployment's is a fallback too.
    expect(wide).toMatchObject({ requests: 4, errors: 2, retries: 2, fallbacks: 0, rateLimited: 1 });
    expect(sums.get(overviewKey(1_200, new Date('2026-03-04T10:20:00.000Z'), 'openai', 'gpt-4o'))).toMatchObject({ requests: 1, fallbacks: 1, retries: 1 });
    expect(sums.get(overviewKey(60, new Date('2026-03-04T10:20:00.000Z'), null, null))).toMatchObject({ requests: 1, budgetRefused: 1, errors: 1 });
    expect(sums.get(overviewKey(60, new Date('2026-03-04T10:00:00.000Z'), 'openai', 'gpt-4o-mini'))).toMatchObject({ requests: 2 });
  });

  it('adds each batch to the buckets already there and counts a re-sent row once', async () => {
    const store = await emptyStore();
    const batch = mixed();
    await store.insert(batch.slice(0, 6));
    await store.insert(batch);
    await store.insert([batch[9]!, batch[9]!, ...mixed()]);
    const sums = await expectOverviewMatchesRows(database().db);
    expect(sums.get(overviewKey(60, new Date('2026-03-04T10:20:00.000Z'), null, null))).toMatchObject({ requests: 2 });
  });

  it('the overview answers the raw rows’ figures, and percentiles within the bucket holding the raw percentile', async () => {
    await emptyStore();
    const store = new LogStore(database());
    const now = Date.parse('2026-03-04T10:30:00.000Z');
    const latencies = Array.from({ length: 200 }, (_, i) => 20 + ((i * 7919) % 3000));
    const rows = latencies.map((ms, i) => entry({ at: new Date(now - 3_000_000 + i * 10_000).toISOString(), latencyMs: ms, ttftMs: i % 2 ? null : ms / 2, status: i % 25 === 0 ? 500 : 200 }));
    await store.insert(rows);
    await store.insert(mixed());
    const raw = await database().db.select().from(requestLogs);
    for (const window of ['hour', 'day', 'week'] as const) {
      const answer = await overview(database().db, new HealthTracker(), window, now);
      const inHour = window === 'hour' ? raw.filter((r) => r.createdAt.getTime() >= Date.parse(answer.from)) : raw;
      expect(answer.totals).toMatchObject({ requests: inHour.length, errors: inHour.filter((r) => r.status >= 400).length });
      expect(answer.series.reduce((n, p) => n + p.requests, 0)).toBe(inHour.length);
      const sorted = inHour.map((r) => r.latencyMs).sort((a, b) => a - b);
      for (const [fraction, got] of [[0.5, answer.totals.p50_ms], [0.99, answer.totals.p99_ms]] as const) {
        const rawPercentile = sorted[Math.ceil(fraction * sorted.length) - 1]!;
        const [lower, upper] = bucketBounds(bucketOf(rawPercentile));
        expect(got, `${window} p${fraction * 100}`).toBeGreaterThanOrEqual(rawPercentile);
        expect(got!).toBeGreaterThanOrEqual(lower);
        expect(got!).toBeLessThanOrEqual(Math.round(upper * 100) / 100 + 0.005);
      }
      const mini = answer.by_model.find((m) => m.model === 'gpt-4o-mini')!;
      expect(mini.requests).toBe(inHour.filter((r) => r.model === 'gpt-4o-mini').length);
      expect(answer.by_model.find((m) => m.provider === null)?.model ?? null).toBeNull();
    }
  });

  it('reads a percentile as the upper bound of the bucket holding the nearest rank', () => {
    const counts = new Array<number>(82).fill(0);
    expect(histogramPercentile(counts, 0.5)).toBeNull();
    counts[bucketOf(300)] = 1;
    counts[bucketOf(5)] = 3;
    expect(histogramPercentile(counts, 0.5)).toBe(bucketBounds(bucketOf(5))[1]);
    expect(histogramPercentile(counts, 0.99)).toBe(bucketBounds(bucketOf(300))[1]);
    counts[81] = 10;
    expect(histogramPercentile(counts, 0.99)).toBe(2 ** 20);
  });
});
