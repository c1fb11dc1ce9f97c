// The console's JSON shapes (zod, so they validate and document the /admin routes): query strings and answers of
// the overview, request list and detail, providers and budgets pages. Snake_case, ISO times, USD as numbers.
import { z } from 'zod';

const when = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const filterText = z.string().min(1).max(200);

export const WINDOWS = { hour: { ms: 3_600_000, bucketSeconds: 60 }, day: { ms: 86_400_000, bucketSeconds: 1_200 }, week: { ms: 604_800_000, bucketSeconds: 7_200 } } as const;
export type WindowName = keyof typeof WINDOWS;

export const overviewQuery = z.object({ window: z.enum(['hour', 'day', 'week']).default('hour') });

const nullableNumber = z.number().nullable();
/** The overview's percentiles come from the rollups' histograms (src/request-log/latency-histogram.ts). */
const histogramMs = (what: string) =>
  nullableNumber.describe(`${what}: the upper bound of the latency histogram bucket holding it (4 buckets per doubling from 1 ms, so at most ~19% above the exact figure); null without rows.`);
const totals = z.object({
  requests: z.number(),
  errors: z.number(),
  error_rate: z.number(),
  p50_ms: histogramMs('Median latency'),
  p99_ms: histogramMs('99th percentile latency'),
  ttft_p50_ms: histogramMs('Median time to first token of streamed rows'),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  cost_usd: z.number(),
  fallbacks: z.number(),
  retries: z.number(),
  rate_limited: z.number(),
  budget_refused: z.number(),
  breaker_trips: z.number(),
});
const point = z.object({
  t: z.string(),
  requests: z.number(),
  errors: z.number(),
  p50_ms: histogramMs('Median latency'),
  p99_ms: histogramMs('99th percentile latency'),
  ttft_p50_ms: histogramMs('Median time to first token'),
  tokens: z.number(),
  cost_usd: z.number(),
});
const byModel = z.object({ provider: z.string().nullable(), model: z.string().nullable(), requests: z.number(), errors: z.number(), p50_ms: histogramMs('Median latency'), tokens: z.number(), cost_usd: z.number() });

export const overviewSchema = z.object({
  object: z.literal('overview'),
  window: z.enum(['hour', 'day', 'week']),
  bucket_seconds: z.number(),
  from: z.string(),
  to: z.string(),
  totals,
  series: z.array(point),
  by_model: z.array(byModel),
});

/** A status code (429) or a class: 2xx, 4xx, 5xx, or error (any status from 400 up). */
const statusFilter = z
  .string()
  .regex(/^([1-5][0-9][0-9]|[1-5]xx|error)$/, 'a status code (e.g. 429) or a class: 2xx, 4xx, 5xx, error');

export const requestsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(300).optional(),
  newer_than: z.string().min(1).max(100).optional(),
  /** The live tail's anchor: a list's head_cursor. Unlike newer_than it needs no row, so a deleted one cannot strand the tail. */
  newer_than_cursor: z.string().min(1).max(300).optional(),
  key_id: filterText.optional(),
  team_id: filterText.optional(),
  model: filterText.optional(),
  provider: filterText.optional(),
  status: statusFilter.optional(),
  endpoint: filterText.optional(),
  session_id: filterText.optional(),
  from: when.optional(),
  to: when.optional(),
  q: z.string().min(1).max(200).optional().describe('Case-insensitive substring of the question. Without `from` it searches the last 24 hours.'),
});
export type RequestsQuery = z.infer<typeof requestsQuery>;

export const requestSummary = z.object({
  id: z.string(),
  created_at: z.string(),
  endpoint: z.string(),
  key_id: z.string().nullable(),
  team_id: z.string().nullable(),
  requested_model: z.string().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  status: z.number(),
  stream: z.boolean(),
  latency_ms: z.number(),
  ttft_ms: nullableNumber,
  prompt_tokens: nullableNumber,
  completion_tokens: nullableNumber,
  cost_usd: nullableNumber,
  attempts: z.number(),
  session_id: z.string().nullable(),
  question: z.string().nullable(),
  error_code: z.string().nullable(),
});

export const requestListSchema = z.object({
  object: z.literal('list'),
  data: z.array(requestSummary),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
  /** The newest row's position, for newer_than_cursor (null on an empty page). */
  head_cursor: z.string().nullable(),
});

const timelineEntry = z.object({
  attempt: z.number(),
  started_at: z.string(),
  provider: z.string(),
  model: z.string(),
  status: nullableNumber,
  latency_ms: z.number(),
  error: z.string().nullable(),
  error_code: z.string().nullable(),
});

export const requestDetailSchema = requestSummary.extend({
  request_body: z.unknown(),
  content: z.string().nullable(),
  tool_calls: z.unknown(),
  finish_reason: z.string().nullable(),
  error: z.string().nullable(),
  cached_tokens: nullableNumber,
  reasoning_tokens: nullableNumber,
  x_request_id: z.string().nullable(),
  timeline: z.array(timelineEntry),
});

export const requestIdParams = z.object({ id: z.string().min(1).max(100) });

const circuit = z.object({ model: z.string(), circuit: z.enum(['closed', 'open', 'half_open']), last_error: z.string().nullable(), last_latency_ms: nullableNumber });
const probe = z.object({ t: z.string(), latency_ms: z.number(), ok: z.boolean() });
export const providerListSchema = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      base_url_host: z.string().nullable(),
      healthy: z.boolean(),
      models: z.array(circuit),
      probes: z.array(probe),
      capabilities: z.array(z.string()),
    }),
  ),
});

export const budgetListSchema = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({
      subject: z.enum(['key', 'team']),
      id: z.string(),
      name: z.string().nullable(),
      budget_usd: z.number(),
      budget_period: z.string(),
      used_usd: z.number(),
      period_start: z.string().nullable(),
    }),
  ),
});
