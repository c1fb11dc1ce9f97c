// Redis goes away under load (a throwaway redis-server, never the shared one), killed and then frozen, with two
// gateway processes on it: one in REDIS_FAILURE_MODE=open keeps answering and reports itself degraded, one in
// closed answers 503 state_unavailable with Retry-After; no request waits much past the command timeout plus the
// upstream's time; both recover on their own when Redis is back. Prints what it measured (`[replicas] …`).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCountingUpstream, type CountingUpstream } from '../fakes/counting-upstream.js';
import { throwawayRedis, type ThrowawayRedis } from '../state/redis-helpers.js';
import { Cluster, type Answer } from './cluster.js';

const OPEN = 0;
const CLOSED = 1;
const COMMAND_TIMEOUT_MS = 200;
const UPSTREAM_MS = 50;
/**
 * What an answer may take beyond the slowest healthy answer plus the command timeout: the machine is loaded (two
 * cores, other suites), so the healthy answers set the base. A request that waited on Redis (a reconnect, a queue
 * of commands) would take seconds more.
 */
const LOAD_MARGIN_MS = 1_000;

let redis: ThrowawayRedis;
let upstream: CountingUpstream;
let cluster: Cluster;
let key: string;

beforeAll(async () => {
  redis = await throwawayRedis();
  await redis.start();
  upstream = await startCountingUpstream();
  upstream.behave('fault-model', { delayMs: UPSTREAM_MS });
  cluster = await Cluster.start({
    label: 'faults',
    replicas: 2,
    upstream,
    redisUrl: redis.url,
    env: { REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS), REDIS_CONNECT_TIMEOUT_MS: '1000' },
    replicaEnv: (index) => ({ REDIS_FAILURE_MODE: index === OPEN ? 'open' : 'closed' }),
    prices: { 'fault-model': { input: 0, output: 0 } },
  });
  // Limits far above the load, so that every answer but a fault's is a 200, and every request asks the state.
  key = (await cluster.createKey({ rpm: 1_000_000, max_parallel: 1_000 })).key;
}, 200_000);

beforeEach(({ onTestFailed }) => onTestFailed(() => cluster.keepLogs()));

afterAll(async () => {
  await cluster?.stop();
  await upstream?.close();
  await redis?.stop();
}, 60_000);

interface Sample extends Answer {
  at: number;
}

/** `workers` clients per replica calling one after another until stopped. */
function load(workers: number): { samples: Sample[]; stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const loops = cluster.replicas.flatMap((r) =>
    Array.from({ length: workers }, async () => {
      while (running) {
        const at = performance.now();
        // A reset or refused connection is an answer too (status 0): the assertions then say what went wrong.
        const answer = await cluster
          .chat(key, { model: 'openai/fault-model', messages: [{ role: 'user', content: 'hi' }] }, r.index)
          .catch((err: unknown): Answer => ({ replica: r.index, status: 0, headers: new Headers(), text: String(err), ms: performance.now() - at }));
        samples.push({ ...answer, at });
      }
    }),
  );
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await probe())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return performance.now() - started;
}

const degraded = async (replica: number) => (await cluster.metric(replica, 'gateway_state_degraded')) === 1;
const readyState = async (replica: number) =>
  ((await (await fetch(`${cluster.replicas[replica]!.url}/health/ready`)).json()) as { state?: { backend: string; degraded: boolean; failure_mode: string } }).state;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One way for Redis to go away, and its undoing (also run when the scenario failed half-way). */
interface Outage {
  label: string;
  fault(): Promise<void> | void;
  recover(): Promise<void> | void;
}

/** Load through healthy → fault → recovered; asserts what each failure mode answered, prints the figures. */
async function outage(o: Outage): Promise<void> {
  const traffic = load(2);
  let away = false;
  try {
    await sleep(1_500);
    const faultAt = performance.now();
    away = true;
    await o.fault();
    const openDegradedAfter = await until('the open replica to report degraded', () => degraded(OPEN), 10_000);
    await until('the closed replica to refuse', async () => traffic.samples.some((s) => s.replica === CLOSED && s.at > faultAt && s.status === 503), 10_000);
    expect(await degraded(CLOSED), 'the closed replica reports gateway_state_degraded 1').toBe(true);
    expect(await readyState(OPEN)).toEqual({ backend: 'redis', degraded: true, failure_mode: 'open' });
    expect(await readyState(CLOSED)).toEqual({ backend: 'redis', degraded: true, failure_mode: 'closed' });
    await sleep(1_500);
    const recoverAt = performance.now();
    await o.recover();
    away = false;
    const recoveredAfter = await until(
      'both replicas to recover',
      async () => !(await degraded(OPEN)) && !(await degraded(CLOSED)) && traffic.samples.some((s) => s.replica === CLOSED && s.at > recoverAt && s.status === 200),
      20_000,
    );
    await sleep(500);
    const samples = await traffic.stop();
    const refused = check(o.label, samples, { faultAt, recoverAt, openDegradedAfter, recoveredAfter });
    expect(await cluster.metric(CLOSED, 'gateway_limit_refusals_total', 'reason="state_unavailable"')).toBeGreaterThanOrEqual(refused);
    expect(await readyState(OPEN)).toEqual({ backend: 'redis', degraded: false, failure_mode: 'open' });
  } finally {
    await traffic.stop();
    // The next scenario starts from a healthy Redis even when this one failed half-way.
    if (away) await o.recover();
  }
}

/** Asserts the answers of one outage; returns how many the closed replica refused. */
function check(label: string, samples: Sample[], t: { faultAt: number; recoverAt: number; openDegradedAfter: number; recoveredAfter: number }): number {
  const { faultAt, recoverAt, openDegradedAfter, recoveredAfter } = t;
  const during = samples.filter((s) => s.at > faultAt && s.at < recoverAt);
  const open = samples.filter((s) => s.replica === OPEN);
  const closed = samples.filter((s) => s.replica === CLOSED);
  const refused = closed.filter((s) => s.status === 503);
  const maxMs = Math.max(...during.map((s) => s.ms));
  const healthyMax = Math.max(...samples.filter((s) => s.at < faultAt).map((s) => s.ms));
  console.info(
    `[replicas] redis ${label}: open replica ${open.filter((s) => s.status === 200).length}/${open.length} answered 200, degraded after ${openDegradedAfter.toFixed(0)} ms; ` +
      `closed replica ${refused.length} × 503; max latency ${maxMs.toFixed(0)} ms while away (healthy max ${healthyMax.toFixed(0)} ms, bound healthy max + ${COMMAND_TIMEOUT_MS} ms + ${LOAD_MARGIN_MS} ms load margin); recovered ${recoveredAfter.toFixed(0)} ms after Redis returned`,
  );

  const shown = (list: Sample[]) => list.map((s) => `${s.status} ${s.text.slice(0, 200)}`);
  expect(shown(open.filter((s) => s.status !== 200)), 'the open replica answered something else than 200').toEqual([]);
  expect(during.some((s) => s.replica === OPEN), 'the open replica answered nothing while Redis was away').toBe(true);
  expect(shown(closed.filter((s) => s.status !== 200 && s.status !== 503)), 'the closed replica answered something else than 200 or 503').toEqual([]);
  expect(refused.length).toBeGreaterThan(0);
  for (const s of refused) {
    expect(s.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(s.text)).toMatchObject({ error: { code: 'state_unavailable' } });
  }
  expect(maxMs).toBeLessThanOrEqual(Math.max(healthyMax, UPSTREAM_MS) + COMMAND_TIMEOUT_MS + LOAD_MARGIN_MS);
  return refused.length;
}

describe('Redis away under load, failure modes open and closed', () => {
  it('killed (connections reset), then started again on the same port', async () => {
    await outage({ label: 'killed', fault: () => redis.kill(), recover: () => redis.start() });
  }, 90_000);

  it('frozen (connections open, nothing answers: every command runs into its timeout), then thawed', async () => {
    await outage({ label: 'frozen', fault: () => redis.freeze(), recover: () => redis.thaw() });
  }, 90_000);
});
