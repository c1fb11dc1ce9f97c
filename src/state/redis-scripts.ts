// The Lua scripts behind the Redis adapter: one script per decision (one round trip, atomic), sent by EVALSHA
// through ioredis' defineCommand, which sends EVAL the first time on each connection and again after a NOSCRIPT
// (a SCRIPT FLUSH, a restarted Redis). Every script takes `now` in ms as ARGV[1]; a negative `now` means Redis's TIME.
import type { Redis } from 'ioredis';
import { ADMISSION_SCRIPTS } from './redis-admission-scripts.js';
import { LEASES, PRELUDE, RESERVATIONS } from './redis-lua.js';

export const SCRIPTS = {
  // KEYS: counter hash {v, e}. ARGV: now, by, ttlMs. Returns the new value.
  gwIncrement: `${PRELUDE}
local e = redis.call('HGET', KEYS[1], 'e')
if e and tonumber(e) > now then return redis.call('HINCRBYFLOAT', KEYS[1], 'v', ARGV[2]) end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'e', f(now + tonumber(ARGV[3])))
expireAt(KEYS[1], now + tonumber(ARGV[3]))
return ARGV[2]`,

  // KEYS: counter hash. ARGV: now. Returns the value, '0' when absent or expired.
  gwRead: `${PRELUDE}
local ve = redis.call('HMGET', KEYS[1], 'v', 'e')
if ve[1] and tonumber(ve[2]) > now then return ve[1] end
return '0'`,

  // KEYS: bucket (its theoretical arrival time). ARGV: now, cost, capacity, refillPerSecond.
  // Returns {allowed, remaining, retryAfterMs, resetMs}; the same GCRA as gcra.ts.
  gwTake: `${PRELUDE}
local cost, capacity = tonumber(ARGV[2]), tonumber(ARGV[3])
local interval = 1000 / tonumber(ARGV[4])
local tolerance = capacity * interval
local base = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local nextTat = base + cost * interval
local function ms(x) return math.max(0, math.ceil(x - 1e-6)) end
local function left(untilFull) return math.max(0, math.floor((tolerance - untilFull) / interval + 1e-6)) end
if cost <= capacity and nextTat - now <= tolerance + 1e-6 then
  redis.call('SET', KEYS[1], f(nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
  return {1, left(nextTat - now), 0, ms(nextTat - now)}
end
local wait = nextTat - now - tolerance
if cost > capacity then wait = base - now end
return {0, left(base - now), ms(wait), ms(base - now)}`,

  // ARGV: now, amount, limit, ttlMs, retainMs or '', id. Returns {granted, used}.
  gwReserve: `${RESERVATIONS}
local st = load(KEYS[1], KEYS[2])
local amount, used = tonumber(ARGV[2]), st.s + st.h
if used + amount > tonumber(ARGV[3]) then
  if st.exists then save(KEYS[1], KEYS[2], st, ARGV[5]) end
  return {0, f(used)}
end
hold(KEYS[2], st, ARGV[6], amount, now + tonumber(ARGV[4]))
save(KEYS[1], KEYS[2], st, ARGV[5])
return {1, f(used + amount)}`,

  // ARGV: now, id, actual. An unknown id (settled, expired) only adds the actual usage.
  gwSettle: `${RESERVATIONS}
return settle(KEYS[1], KEYS[2], ARGV[2], tonumber(ARGV[3]))`,

  // ARGV: now, amount, retainMs or ''. Sets settled usage only where nothing is held yet; returns 1 when it did.
  gwSeed: `${RESERVATIONS}
local st = load(KEYS[1], KEYS[2])
if st.exists or st.n > 0 then return 0 end
st.s = tonumber(ARGV[2])
save(KEYS[1], KEYS[2], st, ARGV[3])
return 1`,

  // ARGV: now, amount, retainMs or ''.
  gwAddUsage: `${RESERVATIONS}
local st = load(KEYS[1], KEYS[2])
st.s = st.s + tonumber(ARGV[2])
save(KEYS[1], KEYS[2], st, ARGV[3])
return 1`,

  // KEYS: lease zset (ids by expiry). ARGV: now, max, ttlMs, id. Returns {granted, held}.
  gwAcquire: `${PRELUDE}${LEASES}
local held = liveLeases(KEYS[1])
if held >= tonumber(ARGV[2]) then return {0, held} end
addLeases(KEYS[1], ARGV[4], 1, tonumber(ARGV[3]))
return {1, held + 1}`,

  ...ADMISSION_SCRIPTS,
} as const;

type Reply = Promise<unknown>;

/** The commands defineCommand adds; replies are checked where they are read (redis-store.ts). */
export interface ScriptCommands {
  gwIncrement(key: string, now: number, by: number, ttlMs: number): Reply;
  gwRead(key: string, now: number): Reply;
  gwTake(key: string, now: number, cost: number, capacity: number, refillPerSecond: number): Reply;
  gwReserve(hash: string, zset: string, now: number, amount: number, limit: number, ttlMs: number, retainMs: number | '', id: string): Reply;
  gwSettle(hash: string, zset: string, now: number, id: string, actual: number): Reply;
  gwAddUsage(hash: string, zset: string, now: number, amount: number, retainMs: number | ''): Reply;
  gwSeed(hash: string, zset: string, now: number, amount: number, retainMs: number | ''): Reply;
  gwAcquire(key: string, now: number, max: number, ttlMs: number, id: string): Reply;
  /** `keys` and `args` as redis-admission-scripts.ts lays them out (ioredis flattens the arrays). */
  gwAdmit(keyCount: number, keys: readonly string[], args: ReadonlyArray<string | number>): Reply;
  gwEndHolds(keyCount: number, keys: readonly string[], args: ReadonlyArray<string | number>): Reply;
}

/** null: the caller passes the count first (scripts over a varying number of holds). */
const KEY_COUNTS: Record<keyof typeof SCRIPTS, number | null> = {
  gwIncrement: 1,
  gwRead: 1,
  gwTake: 1,
  gwReserve: 2,
  gwSettle: 2,
  gwAddUsage: 2,
  gwSeed: 2,
  gwAcquire: 1,
  gwAdmit: null,
  gwEndHolds: null,
};

export function defineScripts(redis: Redis): Redis & ScriptCommands {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    const numberOfKeys = KEY_COUNTS[name as keyof typeof SCRIPTS];
    redis.defineCommand(name, numberOfKeys === null ? { lua } : { lua, numberOfKeys });
  }
  return redis as Redis & ScriptCommands;
}
