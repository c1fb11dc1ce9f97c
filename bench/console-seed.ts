// Seeds the console benchmark's database server-side (INSERT … SELECT over generate_series, in chunks): request rows
// in time order over the last 30 days like a live log, skewed keys and models, errors, fallbacks with their attempts,
// sessions, questions from a vocabulary (one rare word), bodies of a realistic size; plus teams and keys with budgets.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

export const SEED_DAYS = 30;
export const KEYS = 200;
export const TEAMS = 20;
/** In one question in 10,000: what a free-text search that finds almost nothing looks for. */
export const RARE_WORD = 'zanzibar';

const VOCABULARY = [
  'how', 'do', 'I', 'write', 'a', 'function', 'that', 'parses', 'json', 'in', 'typescript', 'explain', 'the', 'difference',
  'between', 'postgres', 'index', 'and', 'query', 'plan', 'summarise', 'this', 'email', 'translate', 'to', 'french',
  'refactor', 'my', 'code', 'why', 'does', 'test', 'fail', 'on', 'ci', 'give', 'me', 'recipe', 'for', 'bread', 'what',
  'is', 'kubernetes', 'deployment', 'draft', 'release', 'notes', 'fix', 'bug', 'invoice',
];

// provider, model, price in (USD per million), price out; weights by position (earlier: more traffic).
const MODELS: Array<[string, string, number, number]> = [
  ['openai', 'gpt-4o-mini', 0.15, 0.6],
  ['anthropic', 'claude-sonnet-4-5', 3, 15],
  ['openai', 'gpt-4o', 2.5, 10],
  ['gemini', 'gemini-2.5-flash', 0.3, 2.5],
  ['mistral', 'mistral-small-latest', 0.2, 0.6],
  ['deepseek', 'deepseek-chat', 0.27, 1.1],
  ['ollama', 'llama3.1:8b', 0, 0],
  ['mock', 'echo', 0, 0],
];

const sqlArray = (values: string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]`;

/** One chunk of rows [first, first + count) of `total`, spread evenly over the seed window ending at `endMs`. */
function requestChunk(first: number, count: number, total: number, endMs: number): string {
  const spanMs = SEED_DAYS * 86_400_000;
  return `
with g as (
  select n, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5 from generate_series(${first}::bigint, ${first + count - 1}) n
), m as (select ${sqlArray(MODELS.map((x) => x[0]))} as providers, ${sqlArray(MODELS.map((x) => x[1]))} as models, array[${MODELS.map((x) => x[2]).join(',')}]::float8[] as pin, array[${MODELS.map((x) => x[3]).join(',')}]::float8[] as pout), v as (select ${sqlArray(VOCABULARY)} as words),
rows as (
  select g.*,
    to_timestamp((${endMs - spanMs}::float8 + n::float8 * ${spanMs / total}::float8) / 1000) as created_at,
    floor(power(r1, 2) * ${KEYS})::int as key_n,
    least(floor(power(r2, 1.6) * ${MODELS.length})::int, ${MODELS.length - 1}) as model_n,
    case when r3 < 0.95 then 200 when r3 < 0.97 then 429 when r3 < 0.975 then 402 when r3 < 0.99 then 502 when r3 < 0.995 then 500 else 400 end as status,
    case when r4 < 0.93 then 1 when r4 < 0.98 then 2 else 3 end as attempts
  from g
)
insert into request_logs (id, x_request_id, created_at, key_id, team_id, endpoint, requested_model, stream, session_id, user_id,
  question, request_body, provider, model, status, finish_reason, content, prompt_tokens, completion_tokens, total_tokens,
  cached_tokens, latency_ms, ttft_ms, overhead_ms, attempts, partial, error, error_code, cost_usd)
select
  md5('row' || n)::uuid::text, md5('x' || n)::uuid::text, created_at,
  'vk_' || lpad(key_n::text, 4, '0'), 'team_' || lpad((key_n % ${TEAMS})::text, 3, '0'),
  case when r5 < 0.85 then '/v1/chat/completions' when r5 < 0.9 then '/v1/messages' when r5 < 0.95 then '/v1/embeddings' else '/api/ask' end,
  m.providers[model_n + 1] || '/' || m.models[model_n + 1],
  r5 < 0.4,
  case when n % 10 < 3 then 'sess-' || (n / 40) else null end,
  case when n % 7 = 0 then 'user-' || (n % 5000) else null end,
  q.question,
  jsonb_build_object('model', m.models[model_n + 1], 'messages', jsonb_build_array(jsonb_build_object('role', 'system', 'content', 'You are a helpful assistant.'), jsonb_build_object('role', 'user', 'content', q.question))),
  m.providers[model_n + 1], m.models[model_n + 1], status,
  case when status = 200 then 'stop' else null end,
  case when status = 200 then repeat('Here is a considered answer to your question. ', (2 + n % 8)::int) else null end,
  case when status = 200 then 50 + (n * 7919 % 3000) else null end,
  case when status = 200 then 10 + (n * 104729 % 1000) else null end,
  case when status = 200 then 60 + (n * 7919 % 3000) + (n * 104729 % 1000) else null end,
  case when status = 200 and n % 5 = 0 then 32 else null end,
  (80 + exp(r2 * 3 + r4 * 4) * 10)::int,
  case when r5 < 0.4 then (40 + exp(r2 * 2 + r4 * 3) * 5)::int else null end,
  2, attempts, false,
  case when status >= 400 then 'upstream said no (' || status || ')' else null end,
  case status when 429 then 'rate_limit_exceeded' when 402 then 'insufficient_quota' when 502 then 'bad_gateway' when 500 then 'server_error' when 400 then 'invalid_request' else null end,
  case when status = 200 then ((50 + (n * 7919 % 3000)) * m.pin[model_n + 1] + (10 + (n * 104729 % 1000)) * m.pout[model_n + 1]) / 1e6 else null end
from rows, m, v, lateral (
  select case when n % 10000 = 17 then 'where is ${RARE_WORD} on a map' else
    (select string_agg(t.word, ' ') from (select v.words[1 + floor(random() * array_length(v.words, 1))::int] as word from generate_series(1, 8 + (n % 30)) w) t) end as question
) q`;
}

/** One attempt row per attempt; a request with several failed on other deployments first. */
const ATTEMPTS = `
insert into upstream_attempts (id, request_id, attempt, started_at, provider, model, status, latency_ms, error, error_code)
select r.id || '#' || a, r.id, a, r.created_at + ((a - 1) * 50) * interval '1 millisecond',
  case when a = r.attempts then r.provider else 'openai' end,
  case when a = r.attempts then r.model else 'gpt-4o-fallen-' || a end,
  case when a = r.attempts then r.status else 503 end,
  case when a = r.attempts then r.latency_ms else 50 end,
  case when a = r.attempts then r.error else 'upstream unavailable' end,
  case when a = r.attempts then r.error_code else 'upstream_unavailable' end
from request_logs r, generate_series(1, r.attempts) a`;

const migrations = fileURLToPath(new URL('../drizzle', import.meta.url));

/**
 * The rows went in around the writer, so the rollups it maintains are filled the way an upgrade fills them: by the
 * migrations' own backfill statements (drizzle/*_backfill.sql), over emptied rollup tables.
 */
async function foldRollups(client: pg.ClientBase): Promise<void> {
  for (const file of readdirSync(migrations).filter((f) => f.endsWith('_backfill.sql')).sort()) {
    const statements = readFileSync(`${migrations}/${file}`, 'utf8').split('--> statement-breakpoint');
    for (const statement of statements) await client.query(statement);
  }
}

export async function seed(client: pg.ClientBase, total: number, endMs: number, log: (line: string) => void): Promise<void> {
  const chunk = 100_000;
  for (let first = 0; first < total; first += chunk) {
    const started = performance.now();
    await client.query(requestChunk(first, Math.min(chunk, total - first), total, endMs));
    log(`seeded ${Math.min(first + chunk, total)} rows (${Math.round(performance.now() - started)} ms for this chunk)`);
  }
  await client.query(ATTEMPTS);
  const at = new Date(endMs).toISOString();
  await client.query(
    `insert into teams (id, name, budget_usd, budget_period, created_at, updated_at)
     select 'team_' || lpad(t::text, 3, '0'), 'Team ' || t, case when t % 2 = 0 then 500 else null end, (array['day','week','month','total'])[1 + t % 4], '${at}', '${at}'
     from generate_series(0, ${TEAMS - 1}) t`,
  );
  await client.query(
    `insert into virtual_keys (id, team_id, name, key_hash, key_prefix, budget_usd, budget_period, created_at, updated_at)
     select 'vk_' || lpad(k::text, 4, '0'), 'team_' || lpad((k % ${TEAMS})::text, 3, '0'), 'key ' || k, md5('hash' || k), 'sk-gw-' || k,
       case when k % 3 = 0 then 50 else null end, (array['day','week','month','total'])[1 + k % 4], '${at}', '${at}'
     from generate_series(0, ${KEYS - 1}) k`,
  );
  log('seeded attempts, teams and keys; folding the rollups');
  await foldRollups(client);
  log('folded the rollups; vacuum analyze');
  await client.query('vacuum analyze request_logs');
  await client.query('vacuum analyze upstream_attempts');
  await client.query('analyze teams');
  await client.query('analyze virtual_keys');
}
