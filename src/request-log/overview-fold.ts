// The part of the batch insert that folds the request rows it inserted into overview_rollups, once per stored bucket
// width: one upsert per batch, inside the batch's own statement, as spend-fold.ts does for spend_daily.
import { getTableName, sql, type SQL } from 'drizzle-orm';
import { bucketColumn, HISTOGRAM_BUCKETS, LATENCY_BOUNDS_SQL } from './latency-histogram.js';
import { overviewRollups, ROLLUP_WIDTHS } from './overview-schema.js';

const rollupTable = sql.identifier(getTableName(overviewRollups));

/** What the fold reads of each inserted row beyond spend-fold's FOLDED_COLUMNS (created_at, provider, model, tokens, cost). */
export const OVERVIEW_FOLDED_COLUMNS = sql.raw('id, status, attempts, latency_ms, ttft_ms, total_tokens, error_code');

const buckets = Array.from({ length: HISTOGRAM_BUCKETS }, (_, b) => b);
const histogramColumns = buckets.flatMap((b) => [bucketColumn('latency', b), bucketColumn('ttft', b)]);
const sumColumns = ['requests', 'errors', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_usd', 'retries', 'fallbacks', 'rate_limited', 'budget_refused', ...histogramColumns];
const histogramCounts = buckets.flatMap((b) => [`coalesce(sum(n) filter (where lb = ${b}), 0) as ${bucketColumn('latency', b)}`, `coalesce(sum(n) filter (where tb = ${b}), 0) as ${bucketColumn('ttft', b)}`]);

/**
 * The upsert over `rows` (request_logs rows: the CTE the insert returns, or the table itself for the backfill), with
 * `attempts` the upstream_attempts rows to tell a fallback from a retry: the batch's own attempts (a request's
 * attempts travel in its log entry) or the table. `existing: 'add'` adds to a bucket already there (the writer);
 * 'keep' leaves it (the backfill, as drizzle/0005 does). The rows are counted once into minute buckets (m), and the
 * wider buckets summed from those: counting every row once per width tripled the 180 aggregates per row. Why SQL and
 * ORDER BY, as in spend-fold.ts: RETURNING yields only rows new to the table, so a replayed batch adds nothing; and
 * every writer locks rollup rows in primary-key order, so two cannot deadlock.
 */
export function foldIntoOverview(rows: SQL, attempts: SQL, existing: 'add' | 'keep'): SQL {
  const [finest, ...wider] = ROLLUP_WIDTHS;
  const widths = sql.raw(wider.map((w) => `(${w})`).join(', '));
  const columns = sql.raw(sumColumns.join(', '));
  const sums = sql.raw(sumColumns.map((c) => `sum(${c})`).join(', '));
  const onConflict =
    existing === 'keep' ? sql.raw('do nothing') : sql.raw(`do update set ${sumColumns.map((c) => `${c} = o.${c} + excluded.${c}`).join(', ')}`);
  return sql`with p as (
    select to_timestamp(floor(extract(epoch from i.created_at) / ${sql.raw(String(finest))}) * ${sql.raw(String(finest))}) as bucket_start,
      coalesce(i.provider, '') as provider, coalesce(i.model, '') as model, lb, tb,
      count(*) as n, count(*) filter (where i.status >= 400) as errors, coalesce(sum(i.prompt_tokens), 0) as prompt_tokens,
      coalesce(sum(i.completion_tokens), 0) as completion_tokens, coalesce(sum(i.total_tokens), 0) as total_tokens, coalesce(sum(i.cost_usd), 0) as cost_usd,
      coalesce(sum(i.attempts - 1) filter (where i.attempts > 1), 0) as retries, count(*) filter (where i.fell_back) as fallbacks,
      count(*) filter (where i.error_code = 'rate_limit_exceeded') as rate_limited, count(*) filter (where i.error_code = 'insufficient_quota') as budget_refused
    from (
      select f.*, width_bucket(f.latency_ms::float8, ${sql.raw(LATENCY_BOUNDS_SQL)}) as lb, width_bucket(f.ttft_ms::float8, ${sql.raw(LATENCY_BOUNDS_SQL)}) as tb,
        f.attempts > 1 and f.status < 400 and exists (select 1 from ${attempts} a where a.request_id = f.id and (a.provider <> f.provider or a.model <> f.model)) as fell_back
      from ${rows} f
    ) i
    group by 1, 2, 3, 4, 5
  ), m as (
    select bucket_start, provider, model, sum(n) as requests, sum(errors) as errors, sum(prompt_tokens) as prompt_tokens,
      sum(completion_tokens) as completion_tokens, sum(total_tokens) as total_tokens, sum(cost_usd) as cost_usd, sum(retries) as retries,
      sum(fallbacks) as fallbacks, sum(rate_limited) as rate_limited, sum(budget_refused) as budget_refused,
      ${sql.raw(histogramCounts.join(', '))}
    from p
    group by 1, 2, 3
  )
  insert into ${rollupTable} as o (bucket_seconds, bucket_start, provider, model, ${columns})
    select ${sql.raw(String(finest))}, bucket_start, provider, model, ${columns} from m
    union all
    select w.width, to_timestamp(floor(extract(epoch from m.bucket_start) / w.width) * w.width), provider, model, ${sums}
    from m cross join (values ${widths}) as w(width) group by 1, 2, 3, 4
    order by 1, 2, 3, 4
    on conflict (bucket_seconds, bucket_start, provider, model) ${onConflict}`;
}
