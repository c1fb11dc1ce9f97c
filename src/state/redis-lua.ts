// Lua shared by the Redis adapter's scripts: the clock, number formatting, and the reservation and lease steps, so
// that a single decision (redis-scripts.ts) and an admission of many holds (redis-admission-scripts.ts) are one code.

// Shared head: the clock, exact number formatting (tostring keeps only 14 digits), and GC expiry from a deadline.
export const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local now = tonumber(ARGV[1])
if now < 0 then local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
local function f(x) return string.format('%.17g', x) end
local function expireAt(key, deadline) redis.call('PEXPIRE', key, math.max(1, math.ceil(deadline - now))) end
`;

// Reservations: hash H {s = settled, h = sum held, ru = retained until, a:<id> = amount}, zset Z of open ids by
// expiry. Expiry is decided by these timestamps; PEXPIRE only collects keys nobody will read again. Each redis.call
// costs the server a few µs, the bulk of a script's time: the hash is read in one HMGET and written in one HSET.
export const RESERVATIONS = `${PRELUDE}
local function load(H, Z)
  local expired = redis.call('ZRANGEBYSCORE', Z, '-inf', now)
  local v = redis.call('HMGET', H, 's', 'h', 'ru')
  local held = tonumber(v[2] or '0')
  for _, id in ipairs(expired) do
    local amount = redis.call('HGET', H, 'a:' .. id)
    if amount then held = held - tonumber(amount); redis.call('HDEL', H, 'a:' .. id) end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', Z, '-inf', now) end
  local open = redis.call('ZCARD', Z)
  if open == 0 then held = 0 end
  local settled, ru = tonumber(v[1] or '0'), v[3]
  if open == 0 and ru and tonumber(ru) <= now then redis.call('DEL', H); settled = 0; ru = false end
  return settled, held, ru
end
-- ru: what load() read (false: none). A new reservation's amount (a:<id>) goes in the same HSET.
local function save(H, Z, settled, held, retainMs, ru, id, amount)
  local deadline = ru and tonumber(ru)
  local fields = {'s', f(settled), 'h', f(held)}
  if retainMs ~= '' then deadline = now + tonumber(retainMs); fields[5] = 'ru'; fields[6] = f(deadline) end
  if id then fields[#fields + 1] = 'a:' .. id; fields[#fields + 1] = f(amount) end
  redis.call('HSET', H, unpack(fields))
  if not deadline then return end
  local last = redis.call('ZRANGE', Z, -1, -1, 'WITHSCORES')
  if last[2] then deadline = math.max(deadline, tonumber(last[2])) end
  expireAt(H, deadline)
  if last[2] then expireAt(Z, deadline) end
end
local function settle(H, Z, id, actual)
  local settled, held, ru = load(H, Z)
  if redis.call('ZREM', Z, id) == 1 then
    held = held - tonumber(redis.call('HGET', H, 'a:' .. id) or '0')
    redis.call('HDEL', H, 'a:' .. id)
    if redis.call('ZCARD', Z) == 0 then held = 0 end
  end
  save(H, Z, settled + actual, held, '', ru)
  return f(settled + actual)
end
`;

// Leases: zset L of ids by expiry.
export const LEASES = `
local function liveLeases(L)
  redis.call('ZREMRANGEBYSCORE', L, '-inf', now)
  return redis.call('ZCARD', L)
end
local function addLease(L, id, ttlMs)
  redis.call('ZADD', L, now + ttlMs, id)
  local last = redis.call('ZRANGE', L, -1, -1, 'WITHSCORES')
  expireAt(L, tonumber(last[2]))
end
`;
