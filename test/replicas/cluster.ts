// Several real gateway processes (`node --import tsx src/main.ts`) sharing one fresh Postgres database and one Redis
// under a prefix of their own, one fake upstream as provider `openai`: the harness of the multi-replica tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { freePort, startProcess, stopProcess, waitForHttp, type Managed } from '../../bench/processes.js';
import { openLogDatabase } from '../../src/request-log/db.js';
import type { CountingUpstream } from '../fakes/counting-upstream.js';
import { deletePrefix, randomPrefix, SHARED_REDIS_URL } from '../state/redis-helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export const ADMIN_KEY = 'replicas-admin-key-0123456789abcdef';
/** The CI server when DATABASE_URL names one, else the machine's. */
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Three processes compiling through tsx on a loaded two-core machine take well over the 15 s one takes alone. */
const START_TIMEOUT_MS = 150_000;

export interface ClusterOptions {
  /** Names the database, the Redis prefix and the log folder. */
  label: string;
  replicas: number;
  upstream: CountingUpstream;
  /** Default: the shared Redis. */
  redisUrl?: string;
  env?: Record<string, string>;
  /** Extra env of one replica (e.g. its failure mode). */
  replicaEnv?: (index: number) => Record<string, string>;
  /** `prices:` of the config file: USD per million tokens by `openai/<model>`. */
  prices?: Record<string, { input: number; output: number }>;
}

export interface Replica {
  index: number;
  url: string;
  proc: Managed;
}

export interface Answer {
  replica: number;
  status: number;
  headers: Headers;
  text: string;
  /** From sending the request to the end of the body. */
  ms: number;
}

export interface LogRow {
  status: number;
  error_code: string | null;
  cost_usd: number | null;
  stream: boolean;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function onServer<T>(run: (client: pg.Client) => Promise<T>, url = SERVER_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export class Cluster {
  private turn = 0;
  private keep = false;

  private constructor(
    readonly replicas: Replica[],
    readonly prefix: string,
    readonly databaseUrl: string,
    private readonly database: string,
    private readonly dir: string,
  ) {}

  /** Starts every replica at once (each migrates nothing: the test migrated the fresh database first). */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), `llmgw-replicas-${options.label}-`));
    const database = `llmgw_replicas_${options.label}_${process.pid}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    await onServer((c) => c.query(`CREATE DATABASE ${database}`));
    const databaseUrl = withDatabase(SERVER_URL, database);
    // Migrated here, once: three processes migrating one fresh database at the same moment would race.
    await (await openLogDatabase({ databaseUrl, pgliteDir: '' })).close();
    const prefix = randomPrefix(`replicas-${options.label}`);
    const configFile = join(dir, 'gateway.json');
    const prices = Object.fromEntries(Object.entries(options.prices ?? {}).map(([model, p]) => [`openai/${model}`, p]));
    writeFileSync(configFile, JSON.stringify({ prices }));
    const starting = Array.from({ length: options.replicas }, async (_, index): Promise<Replica> => {
      const port = await freePort();
      const cwd = mkdtempSync(join(dir, `cwd-${index}-`));
      const proc = startProcess({
        name: `gateway-${index}`,
        cmd: process.execPath,
        args: ['--import', tsxLoader, join(root, 'src/main.ts')],
        // An empty folder: no stray .env is read, and the spill folder is ours.
        cwd,
        logFile: join(dir, `gateway-${index}.log`),
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'warn',
          DISCOVER_LOCAL_PROVIDERS: 'false',
          PROBE_INTERVAL_MS: '0',
          SHUTDOWN_GRACE_MS: '3000',
          DATABASE_URL: databaseUrl,
          LOG_SPILL_DIR: join(cwd, 'spill'),
          GATEWAY_ADMIN_KEY: ADMIN_KEY,
          GATEWAY_CONFIG: configFile,
          OPENAI_API_KEY: 'sk-fake-upstream-replicas',
          OPENAI_BASE_URL: options.upstream.baseUrl,
          REDIS_URL: options.redisUrl ?? SHARED_REDIS_URL,
          REDIS_PREFIX: prefix,
          GATEWAY_REPLICAS: String(options.replicas),
          ...options.env,
          ...options.replicaEnv?.(index),
        },
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(proc, `${url}/health`, START_TIMEOUT_MS);
      return { index, url, proc };
    });
    const startedAt = performance.now();
    const settled = await Promise.allSettled(starting);
    console.info(`[replicas] ${options.label}: ${options.replicas} gateways ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    const cluster = new Cluster(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])), prefix, databaseUrl, database, dir);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await cluster.stop();
      throw failed.reason;
    }
    return cluster;
  }

  /** The next replica in round-robin order: how a load balancer in front of them spreads clients. */
  next(): Replica {
    return this.replicas[this.turn++ % this.replicas.length]!;
  }

  async admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown, replica = 0): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.replicas[replica]!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** A team without limits and a key carrying `limits` (the admin API's snake_case fields). */
  async createKey(limits: Record<string, unknown>): Promise<{ id: string; key: string }> {
    const team = await this.admin<{ id: string }>('POST', '/admin/teams', { name: `team-${Date.now()}` });
    if (team.status !== 201) throw new Error(`team not created: ${team.status} ${JSON.stringify(team.body)}`);
    const created = await this.admin<{ id: string; key: string }>('POST', '/admin/keys', { team_id: team.body.id, ...limits });
    if (created.status !== 201) throw new Error(`key not created: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body;
  }

  /** POST /v1/chat/completions on one replica (next in turn by default), the whole body read. */
  async chat(key: string, body: Record<string, unknown>, replica = this.next().index): Promise<Answer> {
    const started = performance.now();
    const res = await fetch(`${this.replicas[replica]!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { replica, status: res.status, headers: res.headers, text, ms: performance.now() - started };
  }

  /** A metric on one replica's /metrics: the series with exactly `labels`, or without them the sum of every series. */
  async metric(replica: number, name: string, labels?: string): Promise<number | undefined> {
    const res = await fetch(`${this.replicas[replica]!.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const lines = (await res.text()).split('\n');
    if (labels !== undefined) {
      const line = lines.find((l) => l.startsWith(`${name}{${labels}} `));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    const series = lines.filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return series.length === 0 ? undefined : series.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }

  /** Decisions any replica made without Redis (locally or refused) since it started. */
  async degradedDecisions(): Promise<number> {
    const counts = await Promise.all(this.replicas.map((r) => this.metric(r.index, 'gateway_state_degraded_decisions_total')));
    return counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
  }

  async query<T extends object>(text: string, values: unknown[] = []): Promise<T[]> {
    return onServer(async (c) => (await c.query<T>(text, values)).rows, this.databaseUrl);
  }

  /** The key's log rows, once `count` of them are in (each replica's writer flushes on its own clock). */
  async rowsOf(keyId: string, count: number, timeoutMs = 20_000): Promise<LogRow[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.query<LogRow>('SELECT status, error_code, cost_usd::float8 AS cost_usd, stream FROM request_logs WHERE key_id = $1', [keyId]);
      if (rows.length >= count || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Keeps the gateways' log files after stop (a test failed: they say why), and prints where they are. */
  keepLogs(): void {
    this.keep = true;
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => stopProcess(r.proc, 5_000)));
    await onServer((c) => c.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`)).catch(() => undefined);
    await deletePrefix(this.prefix).catch(() => undefined);
    if (this.keep) console.info(`[replicas] gateway logs kept in ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}
