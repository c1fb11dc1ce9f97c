// The benchmarked targets: how each is started (own env, own port), called, and how its request-log rows are counted.
import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Reach } from './cases.js';
import { type Governed, removeRedisKeys } from './governance.js';
import { freePort, type Managed, startProcess, stopProcess, waitForHttp } from './processes.js';

export const TARGET_NAMES = ['floor', 'portkey', 'gateway-pg', 'gateway-pglite'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface Context {
  root: string;
  logDir: string;
  upstreamOrigin: string;
  /** bench/ab-latency.ts: a database of its own per gateway, and no config file (an older build may not read it). */
  dbName?: string;
  plain?: boolean;
}

export interface Started {
  proc: Managed;
  reach: Reach;
  /** Rows in request_logs now (live stores only). */
  countRows?: () => Promise<number>;
  /** Stops the process; returns the final row count for stores only readable once the target is down. */
  stop: () => Promise<number | undefined>;
}

export const API_KEY = 'sk-bench-not-a-real-key';
const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_DB = process.env.BENCH_PG_DB ?? 'llm_gateway_bench';

/** A minimal env so nothing from the caller's shell (keys, proxies, DATABASE_URL) leaks into a target. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...extra };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Why a target cannot run here (printed, the target skipped), or undefined. Warnings go to stderr. */
export function skipReason(name: TargetName, ctx: Context): string | undefined {
  if (!name.startsWith('gateway')) return undefined;
  const main = join(ctx.root, 'dist', 'main.js');
  if (!existsSync(main)) return 'dist/main.js is missing — run `npm run build` first (llm-gateway is not built yet)';
  if (existsSync(join(ctx.root, 'src')) && newestMtime(join(ctx.root, 'src')) > statSync(main).mtimeMs)
    console.error('bench: warning: src/ has files newer than dist/main.js — run `npm run build` to bench the current code');
  if (existsSync(join(ctx.root, '.env'))) console.error('bench: warning: .env exists and the gateway reads it; variables set by the bench take precedence');
  return undefined;
}

/** Starts a process and waits until readyUrl answers; a process that never gets ready is stopped, not left behind. */
async function launch(opts: Parameters<typeof startProcess>[0], readyUrl: string, timeoutMs = 30_000): Promise<Managed> {
  const proc = startProcess(opts);
  try {
    await waitForHttp(proc, readyUrl, timeoutMs);
    return proc;
  } catch (err) {
    await stopProcess(proc, 2000);
    throw err;
  }
}

async function recreateBenchDb(name = PG_DB): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The providers the cases need besides OPENAI_* (chat, and Responses relayed natively): a chat-only OpenAI-wire
 *  provider for the Responses bridge, Anthropic for /v1/messages relayed natively; and prices, so every row is billed. */
function writeGatewayConfig(ctx: Context, dir: string): string {
  const base = `${ctx.upstreamOrigin}/v1`;
  // gpt-4o's and Claude Sonnet's list prices (USD per million tokens, as in src/usage/prices.json's sources).
  const gpt = { input: 2.5, output: 10, cached_read: 1.25 };
  const config = {
    providers: [
      { id: 'openai-chat', type: 'openai', base_url: base, api_key: API_KEY, options: { responses: 'false' } },
      { id: 'anthropic', type: 'anthropic', base_url: base, api_key: API_KEY },
    ],
    prices: { 'openai/bench-model': gpt, 'openai-chat/bench-model': gpt, 'anthropic/bench-model': { input: 3, output: 15, cached_read: 0.3, cache_write: 3.75 } },
  };
  const file = join(dir, 'gateway-config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

async function startGateway(ctx: Context, name: string, dir: string, storeEnv: Record<string, string>, governed?: Governed): Promise<{ proc: Managed; reach: Reach }> {
  const port = await freePort();
  const opts = {
    name: governed ? `${name}-governed` : name,
    cmd: process.execPath,
    // e.g. BENCH_GATEWAY_NODE_ARGS='--max-semi-space-size=64' (node flags, before the script; --cpu-prof is refused
    // in NODE_OPTIONS) to tune or profile the gateway only.
    args: [...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(ctx.root, 'dist', 'main.js')],
    cwd: ctx.root,
    logFile: join(ctx.logDir, `${governed ? `${name}-governed` : name}.log`),
    env: baseEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: `${ctx.upstreamOrigin}/v1`,
      ...(ctx.plain ? {} : { GATEWAY_CONFIG: writeGatewayConfig(ctx, dir) }),
      // Per-request info logs to a file would be measured as gateway cost; Portkey logs nothing per request either.
      LOG_LEVEL: 'warn',
      // No probing of Ollama / LM Studio on localhost during the run.
      DISCOVER_LOCAL_PROVIDERS: 'false',
      // Overflowing log entries spill here (not into the repo's ./data) and are counted as not yet written.
      LOG_SPILL_DIR: join(dir, 'spill'),
      ...storeEnv,
      ...(governed?.env ?? {}),
    }),
  };
  const origin = `http://127.0.0.1:${port}`;
  const proc = await launch(opts, `${origin}/health`, 60_000);
  return { proc, reach: { origin, upstreamOrigin: ctx.upstreamOrigin, apiKey: API_KEY, ...(governed ? { staticKey: governed.staticKey } : {}) } };
}

export async function startTarget(name: TargetName, ctx: Context, governed?: Governed): Promise<Started> {
  const tsx = ['--import', 'tsx'];
  if (name === 'floor') {
    const port = await freePort();
    const proc = await launch(
      {
        name,
        cmd: process.execPath,
        args: [...tsx, join(ctx.root, 'bench', 'floor-proxy.ts'), `--port=${port}`, `--upstream=${ctx.upstreamOrigin}`],
        cwd: ctx.root,
        logFile: join(ctx.logDir, 'floor.log'),
        env: baseEnv({}),
      },
      `http://127.0.0.1:${port}/v1/models`,
    );
    const reach = { origin: `http://127.0.0.1:${port}`, upstreamOrigin: ctx.upstreamOrigin, apiKey: API_KEY };
    return { proc, reach, stop: async () => void (await stopProcess(proc)) };
  }
  if (name === 'portkey') {
    const port = await freePort();
    const proc = await launch(
      {
        name,
        cmd: process.execPath,
        args: [join(ctx.root, 'bench', 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js'), '--headless', `--port=${port}`],
        cwd: ctx.root,
        logFile: join(ctx.logDir, 'portkey.log'),
        env: baseEnv({}),
      },
      `http://127.0.0.1:${port}/`,
    );
    const reach = { origin: `http://127.0.0.1:${port}`, upstreamOrigin: ctx.upstreamOrigin, apiKey: API_KEY };
    return { proc, reach, stop: async () => void (await stopProcess(proc)) };
  }
  // Each gateway run gets a fresh temp folder (spill files, PGlite data), removed when it stops.
  const dir = mkdtempSync(join(tmpdir(), `llm-gateway-bench-${name}-`));
  const cleanup = async () => {
    rmSync(dir, { recursive: true, force: true });
    // The count shows the limits went through Redis (none would be left behind by an in-process state).
    if (governed)
      await removeRedisKeys(governed.prefix).then(
        (n) => console.log(`[${name} (governed)] removed ${n} Redis keys under ${governed.prefix}`),
        (err: Error) => console.error(`bench: could not remove Redis keys ${governed.prefix}*: ${err.message}`),
      );
  };
  try {
    if (name === 'gateway-pg') {
      const databaseUrl = await recreateBenchDb(ctx.dbName);
      const { proc, reach } = await startGateway(ctx, name, dir, { DATABASE_URL: databaseUrl }, governed);
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const countRows = async () => Number((await client.query<{ n: string }>('select count(*) as n from request_logs')).rows[0]?.n ?? 0);
      const stop = async () => {
        try {
          await stopProcess(proc, 20_000);
          return await countRows();
        } finally {
          await client.end();
          await cleanup();
        }
      };
      return { proc, reach, countRows, stop };
    }
    // gateway-pglite: PGlite is embedded in the gateway process and single-writer, so rows are counted after it exits.
    const pgliteDir = join(dir, 'pglite');
    const { proc, reach } = await startGateway(ctx, name, dir, { PGLITE_DIR: pgliteDir }, governed);
    const stop = async () => {
      try {
        await stopProcess(proc, 20_000);
        const db = await PGlite.create(pgliteDir);
        const res = await db.query<{ n: number }>('select count(*)::int as n from request_logs');
        await db.close();
        return res.rows[0]?.n;
      } finally {
        await cleanup();
      }
    };
    return { proc, reach, stop };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
