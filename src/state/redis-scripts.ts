// The Lua scripts behind the Redis adapter: one script per decision (one round trip, atomic), sent by EVALSHA
// through ioredis' defineCommand. Every script takes `now` in ms as ARGV[1]; a negative `now` means Redis's TIME.
import type { Redis } from 'ioredis';

// Shared head: the clock, exact number formatting (tostring keeps only 14 digits), and GC expiry from a deadline.
const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local now = tonumber(ARGV[1])
if now < 0 then local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
local function f(x) return string.format('%.17g', x) end
local function expireAt(key, deadline) redis.call('PEXPIRE', key, math.max(1, math.ceil(deadline - now))) end
`;

// Reservations: hash KEYS[1] {s = settled, h = sum held, ru = retained until, a:<id> = amount}, zset KEYS[2] of
// open ids by expiry. Expiry is decided by these timestamps; PEXPIRE only collects keys nobody will read again.
const RESERVATIONS = `${PRELUDE}
local function load()
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  local held = tonumber(redis.call('HGET', KEYS[1], 'h') or '0')
  for _, id in ipairs(expired) do
    local amount = redis.call('HGET', KEYS[1], 'a:' .. id)
    if amount then held = held - tonumber(amount); redis.call('HDEL', KEYS[1], 'a:' .. id) end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
  local open = redis.call('ZCARD', KEYS[2])
  if open == 0 then held = 0 end
  local settled = tonumber(redis.call('HGET', KEYS[1], 's') or '0')
  local ru = redis.call('HGET', KEYS[1], 'ru')
  if open == 0 and ru and tonumber(ru) <= now then redis.call('DEL', KEYS[1]); settled = 0 end
  return settled, held
end
local function save(settled, held, retainMs)
  redis.call('HSET', KEYS[1], 's', f(settled), 'h', f(held))
  if retainMs ~= '' then redis.call('HSET', KEYS[1], 'ru', f(now + tonumber(retainMs))) end
  local ru = redis.call('HGET', KEYS[1], 'ru')
  if not ru then return end
  local deadline = tonumber(ru)
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if last[2] then deadline = math.max(deadline, tonumber(last[2])) end
  expireAt(KEYS[1], deadline)
  if last[2] then expireAt(KEYS[2], deadline) end
end
`;

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
local settled, held = load()
local amount, used = tonumber(ARGV[2]), settled + held
if used + amount > tonumber(ARGV[3]) then
  if redis.call('EXISTS', KEYS[1]) == 1 then save(settled, held, ARGV[5]) end
  return {0, f(used)}
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[6])
redis.call('HSET', KEYS[1], 'a:' .. ARGV[6], f(amount))
save(settled, held + amount, ARGV[5])
return {1, f(used + amount)}`,

  // ARGV: now, id, actual. An unknown id (settled, expired) only adds the actual usage.
  gwSettle: `${RESERVATIONS}
local settled, held = load()
if redis.call('ZREM', KEYS[2], ARGV[2]) == 1 then
  held = held - tonumber(redis.call('HGET', KEYS[1], 'a:' .. ARGV[2]) or '0')
  redis.call('HDEL', KEYS[1], 'a:' .. ARGV[2])
  if redis.call('ZCARD', KEYS[2]) == 0 then held = 0 end
end
save(settled + tonumber(ARGV[3]), held, '')
return f(settled + tonumber(ARGV[3]))`,

  // ARGV: now, amount, retainMs or ''. Sets settled usage only where nothing is held yet; returns 1 when it did.
  gwSeed: `${RESERVATIONS}
load()
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
save(tonumber(ARGV[2]), 0, ARGV[3])
return 1`,

  // ARGV: now, amount, retainMs or ''.
  gwAddUsage: `${RESERVATIONS}
local settled, held = load()
save(settled + tonumber(ARGV[2]), held, ARGV[3])
return 1`,

  // KEYS: lease zset (ids by expiry). ARGV: now, max, ttlMs, id. Returns {granted, held}.
  gwAcquire: `${PRELUDE}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[2]) then return {0, held} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
expireAt(KEYS[1], tonumber(last[2]))
return {1, held + 1}`,
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
}

const KEY_COUNTS: Record<keyof typeof SCRIPTS, number> = {
  gwIncrement: 1,
  gwRead: 1,
  gwTake: 1,
  gwReserve: 2,
  gwSettle: 2,
  gwAddUsage: 2,
  gwSeed: 2,
  gwAcquire: 1,
};

export function defineScripts(redis: Redis): Redis & ScriptCommands {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    const numberOfKeys = KEY_COUNTS[name as keyof typeof SCRIPTS];
    redis.defineCommand(name, { lua, numberOfKeys });
  }
  return redis as Redis & ScriptCommands;
}
