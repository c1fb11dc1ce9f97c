// What folding a batch into the spend rollups costs: the commit time of a 500-row log batch with the rollup upsert
// (the store's statement) and without it (the same statement minus the fold), alternated on a scratch database.
// Run: npx tsx bench/spend-rollup-batch.ts   (BENCH_PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres)
import { openLogDatabase } from '../src/request-log/db.js';
import { batchJson } from '../src/request-log/rows.js';
import { LogStore, type LogEntry } from '../src/request-log/store.js';
import { admin, databaseUrl, insertWithoutFolds } from './pg-scratch.js';

const DB = `llm_gateway_rollup_bench_${process.pid}`;
const BATCH = 500;
const ROUNDS = Number(process.env.ROUNDS ?? 40);


let serial = 0;
/** A row shaped like a logged chat: a ~600-byte body, a short answer, 50 keys × 3 models on one day. */
function entry(): LogEntry {
  const id = `bench-${++serial}`;
  const createdAt = new Date();
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(500) }], temperature: 0.2 });
  return {
    request: {
      id, createdAt, endpoint: '/v1/chat/completions', status: 200, latencyMs: 120, stream: false, attempts: 1, partial: false,
      keyId: `key_${serial % 50}`, teamId: `team_${serial % 5}`, provider: 'openai', model: ['gpt-4o', 'gpt-4o-mini', 'o3'][serial % 3],
      promptTokens: 1200, completionTokens: 300, totalTokens: 1500, cachedTokens: 200, reasoningTokens: 0, costUsd: 0.00036,
      content: 'an answer of a few words', requestBodyJson: body, toolCallsJson: null,
    },
    attempts: [{ id: `${id}#1`, requestId: id, attempt: 1, startedAt: createdAt, provider: 'openai', model: 'gpt-4o-mini', status: 200, latencyMs: 118 }],
  };
}


const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))]!;

async function main(): Promise<void> {
  await admin(`CREATE DATABASE "${DB}"`);
  const url = databaseUrl(DB);
  const database = await openLogDatabase({ databaseUrl: url, pgliteDir: '' });
  const store = new LogStore(database);
  const times = { with: [] as number[], without: [] as number[] };
  try {
    for (let round = -3; round < ROUNDS; round++) {
      for (const fold of round % 2 === 0 ? [true, false] : [false, true]) {
        const batch = Array.from({ length: BATCH }, entry);
        const started = performance.now();
        if (fold) await store.insert(batch);
        else {
          const { requests, attempts } = batchJson(batch);
          await database.db.execute(insertWithoutFolds(requests, attempts));
        }
        // The first rounds warm the caches and create the rollup rows; they are not counted.
        if (round >= 0) times[fold ? 'with' : 'without'].push(performance.now() - started);
      }
    }
  } finally {
    await database.close();
    await admin(`DROP DATABASE IF EXISTS "${DB}" WITH (FORCE)`);
  }
  for (const [name, values] of Object.entries(times)) {
    process.stdout.write(`${name.padEnd(8)} fold: median ${percentile(values, 0.5).toFixed(2)} ms, p90 ${percentile(values, 0.9).toFixed(2)} ms over ${values.length} batches of ${BATCH}\n`);
  }
}

await main();
