// The database-outage-plus-crash run: a gateway answers requests, its Postgres stops, it answers more, it is killed
// with SIGKILL; Postgres comes back, a fresh gateway on the same spill folder replays what the first one spilled,
// and the rows are counted against the answers. Used by log-crash.test.ts; bounded in count and time, loopback only.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { createPgCluster } from '../helpers/pg-cluster.js';

export interface CrashRunOptions {
  /** Folder with initdb and pg_ctl (findPgBin). */
  bin: string;
  /** Requests answered while Postgres is up, then while it is down before the kill. */
  before?: number;
  during?: number;
  concurrency?: number;
}

export interface CrashRun {
  answeredBefore: number;
  answeredDuring: number;
  /** Answered requests without a row once the fresh gateway replayed the spill file. */
  lost: number;
  /** Requests with more than one row. */
  duplicated: number;
  /** What the killed gateway's exit looked like (SIGKILL). */
  exit: number | string;
  /** Milliseconds each step took: Postgres set-up, gateway start, requests before and during the outage, restart and replay. */
  ms: Record<'postgres' | 'gateway' | 'before' | 'during' | 'replay', number>;
}

async function chat(url: string, id: string): Promise<boolean> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: `crash run ${id}` }] }),
  });
  await res.arrayBuffer();
  return res.status === 200;
}

/** Sends `count` requests, `concurrency` at a time; the ids of those answered 200. */
async function load(url: string, prefix: string, count: number, concurrency: number): Promise<string[]> {
  const answered: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const id = `${prefix}-${i}`;
      if (await chat(url, id)) answered.push(id);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answered;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function runLogCrash(options: CrashRunOptions): Promise<CrashRun> {
  let mark = Date.now();
  const ms = { postgres: 0, gateway: 0, before: 0, during: 0, replay: 0 };
  const lap = (step: keyof typeof ms) => {
    ms[step] = Date.now() - mark;
    mark = Date.now();
  };
  const { before = 300, during = 2_500, concurrency = 32 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-crash-'));
  const spillDir = join(dir, 'spill');
  const cluster = await createPgCluster(options.bin);
  try {
    await cluster.start();
    lap('postgres');
    const env = { DATABASE_URL: cluster.url, LOG_SPILL_DIR: spillDir };
    const first = await startGatewayProcess(env, join(dir, 'first.log'));
    lap('gateway');
    let answeredBefore: string[];
    let answeredDuring: string[];
    let exit: number | string;
    try {
      answeredBefore = await load(first.url, 'before', before, concurrency);
      lap('before');
      await cluster.stop();
      answeredDuring = await load(first.url, 'during', during, concurrency);
      lap('during');
    } finally {
      exit = await first.kill('SIGKILL');
    }
    await cluster.start();
    const second = await startGatewayProcess(env, join(dir, 'second.log'));
    try {
      const spill = join(spillDir, 'request-log.spill.jsonl');
      await until('spill file replayed', () => !existsSync(spill) || statSync(spill).size === 0, 20_000);
    } finally {
      await second.kill('SIGTERM');
    }
    lap('replay');
    const rows = await cluster.query<{ x_request_id: string; n: number }>(
      'select x_request_id, count(*)::int as n from request_logs group by x_request_id',
    );
    const stored = new Set(rows.map((r) => r.x_request_id));
    const answered = [...answeredBefore, ...answeredDuring];
    return {
      answeredBefore: answeredBefore.length,
      answeredDuring: answeredDuring.length,
      lost: answered.filter((id) => !stored.has(id)).length,
      duplicated: rows.filter((r) => r.n > 1).length,
      exit,
      ms,
    };
  } finally {
    await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
