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

// Reservations: hash H {s = settled, h = sum held, n = open count, m = earliest open expiry, l = latest expiry ever
// reserved, ru = retained until, x = the deadline both keys' PEXPIRE was last set to, a:<id> = amount}, zset Z of
// open ids by expiry. Each redis.call costs the server a few µs, the bulk of a script's time, so the hot path is one
// HMGET and one HSET (plus ZADD or ZREM and HDEL): Z is read only once `m` says a reservation may have expired (`m`
// is a lower bound: a settled reservation leaves it early, which costs one sweep that finds nothing), and PEXPIRE is
// sent only when the deadline passes `x`, pushed a minute further each time. Expiry is decided by these timestamps;
// PEXPIRE only collects keys nobody will read again.
export const RESERVATIONS = `${PRELUDE}
local SLACK_MS = 60000
-- The state of H and Z after expired reservations are dropped; \`id\`: also read that open reservation's amount.
local function load(H, Z, id)
  local v = redis.call('HMGET', H, 's', 'h', 'n', 'm', 'l', 'ru', 'x', 'a:' .. (id or ''))
  local st = {exists = v[1] ~= false, s = tonumber(v[1] or '0'), h = tonumber(v[2] or '0'), n = tonumber(v[3] or '0'),
    m = tonumber(v[4] or '0'), l = tonumber(v[5] or '0'), ru = v[6] and tonumber(v[6]), x = tonumber(v[7] or '0'),
    mine = id and v[8] and tonumber(v[8])}
  if st.n > 0 and st.m <= now then
    local expired = redis.call('ZRANGEBYSCORE', Z, '-inf', now)
    if #expired > 0 then
      local fields = {}
      for i, e in ipairs(expired) do
        fields[i] = 'a:' .. e
        if e == id then st.mine = nil end
      end
      -- In slices: unpack() fails past a few thousand values (a crashed fleet's holds expiring at once).
      for from = 1, #fields, 1000 do
        local to = math.min(from + 999, #fields)
        local amounts = redis.call('HMGET', H, unpack(fields, from, to))
        for i = 1, to - from + 1 do
          if amounts[i] then st.h = st.h - tonumber(amounts[i]); st.n = st.n - 1 end
        end
        redis.call('HDEL', H, unpack(fields, from, to))
      end
      redis.call('ZREMRANGEBYSCORE', Z, '-inf', now)
    end
    local first = redis.call('ZRANGE', Z, 0, 0, 'WITHSCORES')
    if first[2] then st.m = tonumber(first[2]) else st.n = 0 end
  end
  -- Float sums drift by ulps: nothing open means nothing held.
  if st.n <= 0 then st.n = 0; st.h = 0 end
  if st.n == 0 and st.ru and st.ru <= now then
    redis.call('DEL', H)
    st = {exists = false, s = 0, h = 0, n = 0, m = 0, l = 0, x = 0}
  end
  return st
end
-- Opens a reservation of \`amount\` under \`id\` that expires at \`expiry\` (saved by save()).
local function hold(Z, st, id, amount, expiry)
  redis.call('ZADD', Z, expiry, id)
  if st.n == 0 then st.m = expiry; st.fresh = true else st.m = math.min(st.m, expiry) end
  st.n = st.n + 1
  st.h = st.h + amount
  st.l = math.max(st.l, expiry)
  st.id, st.amount = id, amount
end
local function save(H, Z, st, retainMs)
  local fields = {'s', f(st.s), 'h', f(st.h), 'n', st.n, 'm', f(st.m), 'l', f(st.l)}
  if retainMs ~= '' then st.ru = now + tonumber(retainMs); fields[#fields + 1] = 'ru'; fields[#fields + 1] = f(st.ru) end
  if st.id then fields[#fields + 1] = 'a:' .. st.id; fields[#fields + 1] = f(st.amount) end
  -- Without a retention (a \`total\` budget, usage kept for good) the keys never expire.
  local deadline = st.ru and math.max(st.ru, st.l) or 0
  local extend = deadline > st.x
  if extend then st.x = deadline + SLACK_MS; fields[#fields + 1] = 'x'; fields[#fields + 1] = f(st.x) end
  redis.call('HSET', H, unpack(fields))
  if extend then expireAt(H, st.x) end
  -- A new Z (the first open reservation) has no TTL yet even when H's deadline needs no extending.
  if (extend or st.fresh) and st.x > 0 then expireAt(Z, st.x) end
end
local function settle(H, Z, id, actual)
  local st = load(H, Z, id)
  if st.mine then
    redis.call('ZREM', Z, id)
    redis.call('HDEL', H, 'a:' .. id)
    st.h = st.h - st.mine
    st.n = st.n - 1
    if st.n <= 0 then st.n = 0; st.h = 0 end
  end
  st.s = st.s + actual
  save(H, Z, st, '')
  return f(st.s)
end
`;

// Leases: zset L of ids by expiry.
export const LEASES = `
local function liveLeases(L)
  redis.call('ZREMRANGEBYSCORE', L, '-inf', now)
  return redis.call('ZCARD', L)
end
-- n leases under one id: the id itself when n is 1, else id#1 … id#n (ids.ts leaseMember).
local function addLeases(L, id, n, ttlMs)
  local at, args = now + ttlMs, {}
  if n == 1 then args = {at, id} else for m = 1, n do args[2 * m - 1] = at; args[2 * m] = id .. '#' .. m end end
  redis.call('ZADD', L, unpack(args))
  local last = redis.call('ZRANGE', L, -1, -1, 'WITHSCORES')
  expireAt(L, tonumber(last[2]))
end
`;
