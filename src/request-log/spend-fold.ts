// The part of the batch insert that folds the request rows it actually inserted into spend_daily: one upsert per
// batch, inside the batch's own statement.
import { getTableName, sql, type SQL } from 'drizzle-orm';
import { spendDaily } from './spend-schema.js';

const rollupTable = sql.identifier(getTableName(spendDaily));

/** What the request insert returns for the fold: the rollup's dimensions and sums of the rows it inserted. */
export const FOLDED_COLUMNS = sql.raw('created_at, key_id, team_id, provider, model, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd');

/**
 * The upsert over `inserted` (a CTE returning FOLDED_COLUMNS from the request insert). Why it aggregates in SQL rather
 * than in memory: RETURNING yields only the rows ON CONFLICT DO NOTHING let in, so a retried batch, a spill replay of
 * rows that had landed, or an id sent twice adds nothing, without a round trip to learn which ids were new. Why the
 * ORDER BY: the executor upserts in the order its input arrives, so every writer locks rollup rows in primary-key
 * order and two replicas folding batches of the same keys wait on each other instead of deadlocking (measured: see
 * test/request-log/spend-rollups.test.ts). Why in the same statement: a row and its rollup commit together or not at all.
 */
export function foldIntoRollups(inserted: SQL): SQL {
  return sql`insert into ${rollupTable} as s (day, key_id, team_id, provider, model, requests, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd)
    select (created_at at time zone 'UTC')::date, coalesce(key_id, ''), coalesce(team_id, ''), coalesce(provider, ''), coalesce(model, ''),
      count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), coalesce(sum(cached_tokens), 0), coalesce(sum(reasoning_tokens), 0), coalesce(sum(cost_usd), 0)
    from ${inserted} group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
    on conflict (day, key_id, team_id, provider, model) do update set
      requests = s.requests + excluded.requests,
      prompt_tokens = s.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = s.completion_tokens + excluded.completion_tokens,
      cached_tokens = s.cached_tokens + excluded.cached_tokens,
      reasoning_tokens = s.reasoning_tokens + excluded.reasoning_tokens,
      cost_usd = s.cost_usd + excluded.cost_usd`;
}
