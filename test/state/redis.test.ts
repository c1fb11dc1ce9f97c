// The Redis adapter against the real Redis: the shared contract (caller's clock), Redis's own clock, key layout
// and expiry, atomic decisions from three separate clients, and only unreachability (not a bug) degrading it.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatePort } from '../../src/state/port.js';
import { createRedisState, type RedisStateOptions } from '../../src/state/redis.js';
import { stateContract, until } from './contract.js';
import { SHARED_REDIS_URL, deletePrefix, quietLog, randomPrefix } from './redis-helpers.js';

const prefix = randomPrefix('state');
const base: RedisStateOptions = {
  url: SHARED_REDIS_URL,
  prefix,
  commandTimeoutMs: 1_000,
  connectTimeoutMs: 2_000,
  failureMode: 'closed',
  replicas: 1,
  log: quietLog(),
};

afterAll(async () => {
  expect(await deletePrefix(prefix)).toBeGreaterThanOrEqual(0);
});

stateContract('redis', async () => {
  let now = Date.now();
  const state = await createRedisState({ ...base, now: () => now });
  return { state, advance: (ms) => void (now += ms) };
});

describe('redis state', () => {
  const opened: StatePort[] = [];
  const raw = new Redis(SHARED_REDIS_URL);
  async function open(options: Partial<RedisStateOptions> = {}): Promise<StatePort> {
    const state = await createRedisState({ ...base, ...options });
    opened.push(state);
    return state;
  }
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    raw.disconnect();
  });

  it('decides by Redis TIME when no clock is given: a bucket refills in real time', async () => {
    const state = await open();
    const spec = { capacity: 1, refillPerSecond: 20 };
    expect((await state.take('time', 1, spec)).allowed).toBe(true);
    const refused = await state.take('time', 1, spec);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(0.05);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await state.take('time', 1, spec)).allowed).toBe(true);
  });

  it('hash-tags every key under the prefix and lets expiry collect what a crashed replica left', async () => {
    const state = await open();
    await state.take('{key:abc}:tpm', 10, { capacity: 100, refillPerSecond: 10 });
    await state.reserve('{key:abc}:budget', { amount: 1, limit: 10, ttlMs: 30_000, retainMs: 86_400_000 });
    await state.acquireLease('{key:abc}:parallel', { max: 2, ttlMs: 20_000 });
    await state.increment('plain', 1, 10_000);
    const keys = (await raw.keys(`${prefix}*`)).filter((k) => k.includes('abc') || k.includes('plain')).sort();
    expect(keys).toEqual([`${prefix}{key:abc}:budget:res`, `${prefix}{key:abc}:budget:resz`, `${prefix}{key:abc}:parallel:l`, `${prefix}{key:abc}:tpm:b`, `${prefix}{plain}:n`]);
    const ttl = async (suffix: string) => raw.pttl(`${prefix}${suffix}`);
    expect(await ttl('{key:abc}:tpm:b')).toBeGreaterThan(900);
    expect(await ttl('{key:abc}:tpm:b')).toBeLessThanOrEqual(1_000);
    expect(await ttl('{key:abc}:budget:res')).toBeGreaterThan(86_000_000);
    expect(await ttl('{key:abc}:budget:resz')).toBeGreaterThan(86_000_000);
    expect(await ttl('{key:abc}:parallel:l')).toBeGreaterThan(19_000);
    expect(await ttl('{plain}:n')).toBeGreaterThan(9_000);
    // One Cluster slot for all keys of one subject.
    const slots = await Promise.all(keys.filter((k) => k.includes('abc')).map((k) => raw.call('CLUSTER', 'KEYSLOT', k).catch(() => null)));
    if (slots[0] !== null) expect(new Set(slots).size).toBe(1);
  });

  it('admits exactly the capacity of a bucket under 500 concurrent takes from three clients', async () => {
    const clients = await Promise.all([open(), open(), open()]);
    const spec = { capacity: 100, refillPerSecond: 0.001 };
    const decisions = await Promise.all(Array.from({ length: 500 }, (_, i) => clients[i % 3]!.take('race:bucket', 1, spec)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(100);
  });

  it('never grants reservations past the limit from three clients, and loses no settled usage', async () => {
    const clients = await Promise.all([open(), open(), open()]);
    const key = 'race:budget';
    const spec = { amount: 1, limit: 100, ttlMs: 60_000 };
    const first = await Promise.all(Array.from({ length: 500 }, (_, i) => clients[i % 3]!.reserve(key, spec)));
    const granted = first.filter((r) => r.granted);
    expect(granted).toHaveLength(100);
    // Serialized: each grant saw the one before it.
    expect(new Set(granted.map((r) => r.used)).size).toBe(100);
    expect(Math.max(...first.map((r) => r.used))).toBe(100);
    await Promise.all(granted.map((r, i) => (r.granted ? clients[i % 3]!.settle(key, r.id, 0.5) : undefined)));
    expect(await clients[0]!.reserve(key, { ...spec, amount: 0 })).toMatchObject({ used: 50 });
    const second = await Promise.all(Array.from({ length: 200 }, (_, i) => clients[i % 3]!.reserve(key, spec)));
    expect(second.filter((r) => r.granted)).toHaveLength(50);
  });

  it('never expires usage kept without retainMs (a total budget), even after a reservation', async () => {
    const state = await open();
    const r = await state.reserve('{key:total}:budget', { amount: 1, limit: 10, ttlMs: 1_000 });
    if (!r.granted) throw new Error('expected a grant');
    await state.settle('{key:total}:budget', r.id, 5);
    expect(await raw.pttl(`${prefix}{key:total}:budget:res`)).toBe(-1);
  });

  it('sweeps thousands of reservations that expired at once (a crashed fleet) and goes on deciding', async () => {
    let now = Date.now();
    // 9,000 reserves queue behind each other on one connection: the suite's 1 s command timeout is for single calls.
    const state = await open({ now: () => now, commandTimeoutMs: 15_000 });
    const spec = { amount: 1, limit: 1_000_000, ttlMs: 1_000 };
    for (let batch = 0; batch < 9; batch++) await Promise.all(Array.from({ length: 1_000 }, () => state.reserve('{key:swept}:tpm', spec)));
    expect(await state.reserve('{key:swept}:tpm', { ...spec, amount: 0 })).toMatchObject({ used: 9_000 });
    now += 2_000;
    expect(await state.reserve('{key:swept}:tpm', spec)).toMatchObject({ granted: true, used: 1 });
  }, 30_000);

  it('holds at most max leases across three clients', async () => {
    const clients = await Promise.all([open(), open(), open()]);
    const leases = await Promise.all(Array.from({ length: 60 }, (_, i) => clients[i % 3]!.acquireLease('race:parallel', { max: 5, ttlMs: 60_000 })));
    expect(leases.filter((l) => l.granted)).toHaveLength(5);
  });

  it('admits all or nothing under 300 concurrent admissions from three clients: refused ones hold nothing', async () => {
    const clients = await Promise.all([open(), open(), open()]);
    const holds = [
      { kind: 'reserve', key: '{race}:tokens', amount: 3, limit: 1_000_000, ttlMs: 60_000 },
      { kind: 'lease', key: '{race}:admit', max: 20, ttlMs: 60_000 },
    ] as const;
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => clients[i % 3]!.admit(holds)));
    const granted = results.filter((r) => r.granted);
    expect(granted).toHaveLength(20);
    // Serialized: each grant saw the ones before it, and the refused took no tokens.
    expect(new Set(granted.map((r) => r.counts[1])).size).toBe(20);
    expect(results.filter((r) => !r.granted).every((r) => !r.granted && r.refused === 1)).toBe(true);
    expect(await clients[0]!.reserve('{race}:tokens', { amount: 0, limit: 1, ttlMs: 1_000 })).toMatchObject({ used: 60 });
    await Promise.all(granted.map((r, i) => (r.granted ? clients[i % 3]!.endHolds(r.id, [{ kind: 'settle', key: '{race}:tokens', actual: 1 }, { kind: 'lease', key: '{race}:admit', actual: 0 }]) : undefined)));
    expect(await clients[1]!.reserve('{race}:tokens', { amount: 0, limit: 1, ttlMs: 1_000 })).toMatchObject({ used: 20 });
    expect(await clients[2]!.acquireLease('{race}:admit', { max: 20, ttlMs: 1_000 })).toMatchObject({ granted: true, held: 1 });
  });

  it('broadcasts to the subscribers of another replica', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const seen: string[] = [];
    await b.subscribe('revocations', (m) => void seen.push(m));
    await a.publish('revocations', 'key-1');
    await until(() => seen.length === 1);
    expect(seen).toEqual(['key-1']);
  });

  it('throws a script error as it is instead of degrading', async () => {
    const state = await open({ failureMode: 'open' });
    await raw.set(`${prefix}{wrongtype}:n`, 'a string where a hash belongs');
    await expect(state.increment('wrongtype', 1, 1_000)).rejects.toThrow(/WRONGTYPE/);
    expect(state.degraded).toBe(false);
  });
});
