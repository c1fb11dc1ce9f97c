// What Postgres spends per logged request: the CPU of every postgres process (and the wall time) per row of the
// store's batch statement, interleaved with the same rows inserted without the rollup folds, then again as each
// secondary index of request_logs is dropped in turn (so each line's drop is that index's cost). On a scratch database.
// Run: npx tsx bench/log-batch-cost.ts   (BENCH_PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres;
// BATCH rows a batch, default 100: one connection's batches at ~1,000 req/s and the writer's 100 ms flush)
import pg from 'pg';
import { openLogDatabase } from '../src/request-log/db.js';
import { batchJson } from '../src/request-log/rows.js';
import { LogStore, type LogEntry } from '../src/request-log/store.js';
import { admin, databaseUrl, insertWithoutFolds } from './pg-scratch.js';
import { readCpuMsByComm } from './processes.js';

const DB = `llm_gateway_batch_cost_${process.pid}`;
const BATCH = Number(process.env.BATCH ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 40);

let serial = 0;
/** A row as the benchmark's chat logs it: a short question, a short answer, one attempt, a price. */
function entry(): LogEntry {
  const id = `cost-${process.pid}-${++serial}`;
  const createdAt = new Date();
  const question = `Say hello in one short sentence, please (${serial})`;
  return {
    request: {
      id, xRequestId: `x-${id}`, createdAt, endpoint: '/v1/chat/completions', status: 200, latencyMs: 2 + (serial % 5), stream: false, attempts: 1, partial: false,
      provider: 'openai', model: 'bench-model', requestedModel: 'openai/bench-model', question, finishReason: 'stop',
      promptTokens: 12, completionTokens: 9, totalTokens: 21, cachedTokens: 0, reasoningTokens: 0, costUsd: 0.00012,
      content: 'Hello there, this is a short answer.', requestBodyJson: JSON.stringify({ model: 'openai/bench-model', messages: [{ role: 'user', content: question }] }), toolCallsJson: null,
    },
    attempts: [{ id: `${id}#1`, requestId: id, attempt: 1, startedAt: createdAt, provider: 'openai', model: 'bench-model', status: 200, latencyMs: 2 }],
  };
}



/** Postgres CPU µs and wall µs per row over `rounds` batches. */
async function perRow(rounds: number, insert: (batch: LogEntry[]) => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const cpu0 = readCpuMsByComm('postgres');
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await insert(Array.from({ length: BATCH }, entry));
  const rows = rounds * BATCH;
  return { cpu: ((readCpuMsByComm('postgres') - cpu0) / rows) * 1000, wall: ((performance.now() - started) / rows) * 1000 };
}

const fmt = (m: { cpu: number; wall: number }) => `${m.cpu.toFixed(1).padStart(6)} µs CPU, ${m.wall.toFixed(1).padStart(6)} µs wall per row`;

async function main(): Promise<void> {
  await admin(`CREATE DATABASE "${DB}"`);
  const url = databaseUrl(DB);
  const database = await openLogDatabase({ databaseUrl: url, pgliteDir: '' });
  const store = new LogStore(database);
  const direct = new pg.Client({ connectionString: url });
  await direct.connect();
  try {
    // 40,000 rows first: index inserts into an empty table cost less than into a day's log.
    for (let i = 0; i < 200; i++) await store.insert(Array.from({ length: 200 }, entry));
    await direct.query('vacuum analyze');
    const sums = { store: { cpu: 0, wall: 0 }, bare: { cpu: 0, wall: 0 } };
    for (let round = 0; round < 6; round++) {
      for (const mode of round % 2 === 0 ? (['store', 'bare'] as const) : (['bare', 'store'] as const)) {
        const m = await perRow(ROUNDS / 2, mode === 'store' ? (b) => store.insert(b) : (b) => {
          const { requests, attempts } = batchJson(b);
          return database.db.execute(insertWithoutFolds(requests, attempts));
        });
        sums[mode].cpu += m.cpu / 6;
        sums[mode].wall += m.wall / 6;
      }
    }
    console.log(`batches of ${BATCH}, means of 6 alternating windows each:`);
    console.log(`  the store's statement (rows + spend and overview folds): ${fmt(sums.store)}`);
    console.log(`  the same rows without the folds:                         ${fmt(sums.bare)}`);
    const { rows } = await direct.query<{ name: string }>(
      `select indexname as name from pg_indexes where tablename = 'request_logs' and indexname <> 'request_logs_pkey' order by indexname`,
    );
    console.log(`  the store's statement, all ${rows.length} secondary indexes: ${fmt(await perRow(ROUNDS, (b) => store.insert(b)))}`);
    for (const { name } of rows) {
      await direct.query(`drop index ${name}`);
      console.log(`  … and without ${name.padEnd(32)} ${fmt(await perRow(ROUNDS, (b) => store.insert(b)))}`);
    }
  } finally {
    await direct.end();
    await database.close();
    await admin(`DROP DATABASE IF EXISTS "${DB}" WITH (FORCE)`);
  }
}

await main();
