// The two scripts of a virtual key's request: its admission (every RPM, TPM, parallel and budget hold of the key and
// its team, decided and taken in one atomic script) and the end of those holds after the answer (one script again).
// One call instead of one per hold: each EVALSHA costs the gateway a command to encode and a reply to parse, and
// Redis a script call. bench/enforcement-ab.ts against the per-hold scripts (c28017d), key with RPM, TPM and a budget:
// gateway CPU 0.10–0.13 ms a request instead of 0.20–0.24, Redis CPU 0.24–0.25 instead of 0.29–0.31.
//
// KEYS, per hold in order: a lease zset (`…:l`), or a reservation hash and zset (`…:r`, `…:rz`). The key's and the
// team's holds carry different hash tags, so one script spans two slots: fine on one Redis (what redis.ts connects
// to); a Cluster would need both subjects under one tag.
import { LEASES, PRELUDE, RESERVATIONS } from './redis-lua.js';

export const ADMISSION_SCRIPTS = {
  // ARGV: now, id, then per hold `l`, max, ttlMs, or `r`, amount, limit, ttlMs, retainMs or ''. Every hold is decided
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
    if reply[1] == 0 and base[i] >= tonumber(ARGV[a + 1]) then reply[1] = i end
    k, a = k + 1, a + 3
  else
    local settled, held, ru = load(KEYS[k], KEYS[k + 1])
    base[i] = {settled, held, ru}
    if reply[1] == 0 and settled + held + tonumber(ARGV[a + 1]) > tonumber(ARGV[a + 2]) then reply[1] = i end
    k, a = k + 2, a + 5
  end
end
local granted = reply[1] == 0
k, a, i = 1, 3, 0
while a <= #ARGV do
  i = i + 1
  if ARGV[a] == 'l' then
    if granted then addLease(KEYS[k], id, tonumber(ARGV[a + 2])); base[i] = base[i] + 1 end
    reply[i + 1] = base[i]
    k, a = k + 1, a + 3
  else
    local H, Z = KEYS[k], KEYS[k + 1]
    local settled, held, ru = base[i][1], base[i][2], base[i][3]
    if granted then
      local amount = tonumber(ARGV[a + 1])
      redis.call('ZADD', Z, now + tonumber(ARGV[a + 3]), id)
      held = held + amount
      save(H, Z, settled, held, ARGV[a + 4], ru, id, amount)
    elseif redis.call('EXISTS', H) == 1 then
      save(H, Z, settled, held, ARGV[a + 4], ru)
    end
    reply[i + 1] = f(settled + held)
    k, a = k + 2, a + 5
  end
end
return reply`,

  // ARGV: now, id, then per hold `l`, 0 (free the lease) or `s`, actual (settle the reservation).
  // Returns per hold: ZREM's count for a lease, the settled usage for a reservation.
  gwEndHolds: `${RESERVATIONS}
local id = ARGV[2]
local reply = {}
local k, a, i = 1, 3, 0
while a <= #ARGV do
  i = i + 1
  if ARGV[a] == 'l' then
    reply[i] = redis.call('ZREM', KEYS[k], id)
    k = k + 1
  else
    reply[i] = settle(KEYS[k], KEYS[k + 1], id, tonumber(ARGV[a + 1]))
    k = k + 2
  end
  a = a + 2
end
return reply`,
} as const;
