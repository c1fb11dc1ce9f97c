// The two scripts of a virtual key's request: its admission (every RPM, TPM, parallel and budget hold of the key and
// its team, decided and taken in one atomic script) and the end of those holds after the answer (one script again).
// One call instead of one per hold: each EVALSHA costs the gateway a command to encode and a reply to parse, and
// Redis a script call. bench/enforcement-ab.ts against the per-hold scripts (c28017d), key with RPM, TPM and a budget:
// gateway CPU 0.10–0.13 ms a request instead of 0.20–0.24, Redis CPU 0.24–0.25 instead of 0.29–0.31.
//
// KEYS, per hold in order: a lease zset (`…:l`), or a reservation hash and zset (`…:res`, `…:resz`). The key's and the
// team's holds carry different hash tags, so one script spans two slots: fine on one Redis (what redis.ts connects
// to); a Cluster would need both subjects under one tag.
import { LEASES, RESERVATIONS } from './redis-lua.js';

export const ADMISSION_SCRIPTS = {
  // ARGV: now, id, then per hold `l`, max, ttlMs, count, or `r`, amount, limit, ttlMs, retainMs or ''. Every hold is decided
  // on the state before any is taken, then all are taken under `id`, or none.
  // Returns {refused: 1-based index of the first hold that does not fit (0: all taken), count per hold}.
  gwAdmit: `${RESERVATIONS}${LEASES}
local id = ARGV[2]
local reply = {0}
local base = {}
local k, a, i = 1, 3, 0
while a <= #ARGV do
  i = i + 1
  if ARGV[a] == 'l' then
    base[i] = liveLeases(KEYS[k])
    if reply[1] == 0 and base[i] + tonumber(ARGV[a + 3]) > tonumber(ARGV[a + 1]) then reply[1] = i end
    k, a = k + 1, a + 4
  else
    local st = load(KEYS[k], KEYS[k + 1])
    base[i] = st
    if reply[1] == 0 and st.s + st.h + tonumber(ARGV[a + 1]) > tonumber(ARGV[a + 2]) then reply[1] = i end
    k, a = k + 2, a + 5
  end
end
local granted = reply[1] == 0
k, a, i = 1, 3, 0
while a <= #ARGV do
  i = i + 1
  if ARGV[a] == 'l' then
    local n = tonumber(ARGV[a + 3])
    if granted then addLeases(KEYS[k], id, n, tonumber(ARGV[a + 2])); base[i] = base[i] + n end
    reply[i + 1] = base[i]
    k, a = k + 1, a + 4
  else
    local H, Z, st = KEYS[k], KEYS[k + 1], base[i]
    if granted then
      hold(Z, st, id, tonumber(ARGV[a + 1]), now + tonumber(ARGV[a + 3]))
      save(H, Z, st, ARGV[a + 4])
    elseif st.exists then
      save(H, Z, st, ARGV[a + 4])
    end
    reply[i + 1] = f(st.s + st.h)
    k, a = k + 2, a + 5
  end
end
return reply`,

  // ARGV: now, id, then per hold `l`, count, keep (free the leases past the first `keep`) or `s`, actual, '' (settle
  // the reservation). Returns per hold: ZREM's count for leases, the settled usage for a reservation.
  gwEndHolds: `${RESERVATIONS}
local id = ARGV[2]
local reply = {}
local k, a, i = 1, 3, 0
while a <= #ARGV do
  i = i + 1
  if ARGV[a] == 'l' then
    local n, keep = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    if n == 1 then
      reply[i] = keep == 0 and redis.call('ZREM', KEYS[k], id) or 0
    elseif keep < n then
      local members = {}
      for m = keep + 1, n do members[#members + 1] = id .. '#' .. m end
      reply[i] = redis.call('ZREM', KEYS[k], unpack(members))
    else
      reply[i] = 0
    end
    k = k + 1
  else
    reply[i] = settle(KEYS[k], KEYS[k + 1], id, tonumber(ARGV[a + 1]))
    k = k + 2
  end
  a = a + 3
end
return reply`,
} as const;
