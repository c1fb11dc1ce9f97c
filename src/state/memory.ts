// The memory adapter of the state port: one replica's counters, buckets, reservations, leases and pub/sub, with
// an injectable clock and a sweep that drops whatever has expired so memory follows what is live.
import { gcraTake } from './gcra.js';
import { LocalHub, type StateLog } from './hub.js';
import { idMaker, leaseMember } from './ids.js';
import type { AdmitResult, BucketSpec, HoldEnd, HoldSpec, LeaseSpec, ReservationSpec, StatePort } from './port.js';

export interface MemoryStateOptions {
  now?: () => number;
  /** How often (by the clock) expired entries are swept; the sweep runs on the next call after this. */
  sweepEveryMs?: number;
  log?: StateLog;
  /** What /health/ready reports (memory is never degraded, so it never applies). */
  failureMode?: 'open' | 'closed';
}

export interface MemoryState extends StatePort {
  /** Entries held now, all kinds together (memory stays bounded by what is live). */
  readonly size: number;
}

interface Counter {
  value: number;
  expiresAt: number;
}

interface Reservations {
  settled: number;
  /** Sum of the open reservations' amounts, kept so a decision never walks them all. */
  held: number;
  open: Map<string, { amount: number; expiresAt: number }>;
  retainUntil: number;
}

const NEVER = Number.POSITIVE_INFINITY;

export function createMemoryState(options: MemoryStateOptions = {}): MemoryState {
  const now = options.now ?? Date.now;
  const sweepEveryMs = options.sweepEveryMs ?? 10_000;
  const nextId = idMaker();
  const counters = new Map<string, Counter>();
  const buckets = new Map<string, number>();
  const reservations = new Map<string, Reservations>();
  const leases = new Map<string, Map<string, number>>();
  const hub = new LocalHub((err, channel) => options.log?.warn({ err, channel }, 'state subscriber failed'));
  let lastSweep = now();

  function clock(): number {
    const t = now();
    if (t - lastSweep >= sweepEveryMs) sweep(t);
    return t;
  }

  function sweep(t: number): void {
    lastSweep = t;
    for (const [key, c] of counters) if (c.expiresAt <= t) counters.delete(key);
    for (const [key, tat] of buckets) if (tat <= t) buckets.delete(key);
    for (const [key, r] of reservations) {
      dropExpired(r, t);
      if (r.open.size === 0 && r.retainUntil <= t) reservations.delete(key);
    }
    for (const [key, held] of leases) {
      for (const [id, expiresAt] of held) if (expiresAt <= t) held.delete(id);
      if (held.size === 0) leases.delete(key);
    }
  }

  function dropExpired(r: Reservations, t: number): void {
    for (const [id, open] of r.open) {
      if (open.expiresAt > t) continue;
      r.open.delete(id);
      r.held -= open.amount;
    }
    // Sums of floats drift; with nothing open the exact answer is known.
    if (r.open.size === 0) r.held = 0;
  }

  function reservationsOf(key: string, t: number, retainMs: number | undefined): Reservations {
    let r = reservations.get(key);
    if (r) dropExpired(r, t);
    // A retained period that ended is a new period, whether or not the sweep has come by yet.
    if (!r || (r.open.size === 0 && r.retainUntil <= t)) {
      reservations.set(key, (r = { settled: 0, held: 0, open: new Map(), retainUntil: NEVER }));
    }
    if (retainMs !== undefined) r.retainUntil = t + retainMs;
    return r;
  }

  /** The live leases under a key (expired ones dropped), created empty when absent. */
  function leasesOf(key: string, t: number): Map<string, number> {
    let held = leases.get(key);
    if (!held) leases.set(key, (held = new Map()));
    for (const [id, expiresAt] of held) if (expiresAt <= t) held.delete(id);
    return held;
  }

  function settle(key: string, reservationId: string, actual: number): number {
    const r = reservationsOf(key, clock(), undefined);
    const open = r.open.get(reservationId);
    if (open) {
      r.open.delete(reservationId);
      r.held = r.open.size === 0 ? 0 : r.held - open.amount;
    }
    return (r.settled += actual);
  }

  function releaseLease(key: string, leaseId: string): void {
    const held = leases.get(key);
    if (held?.delete(leaseId) && held.size === 0) leases.delete(key);
  }

  function releaseLeases(e: HoldEnd, id: string): void {
    const n = e.count ?? 1;
    if (n === 1) return e.keep ? undefined : releaseLease(e.key, id);
    for (let k = (e.keep ?? 0) + 1; k <= n; k++) releaseLease(e.key, leaseMember(id, k));
  }

  /** Every hold is decided on the state before any is taken, then all are taken or none (as the Redis script). */
  function admit(holds: readonly HoldSpec[]): AdmitResult {
    const t = clock();
    const counts: number[] = [];
    let refused = -1;
    for (let i = 0; i < holds.length; i++) {
      const h = holds[i]!;
      let count: number;
      let fits: boolean;
      if (h.kind === 'lease') {
        count = leasesOf(h.key, t).size;
        fits = count + (h.count ?? 1) <= h.max;
      } else {
        const r = reservationsOf(h.key, t, h.retainMs);
        count = r.settled + r.held;
        fits = count + h.amount <= h.limit;
      }
      if (!fits && refused < 0) refused = i;
      counts.push(count);
    }
    if (refused >= 0) return { granted: false, refused, counts };
    const id = nextId();
    for (let i = 0; i < holds.length; i++) {
      const h = holds[i]!;
      if (h.kind === 'lease') {
        const held = leasesOf(h.key, t);
        const n = h.count ?? 1;
        if (n === 1) held.set(id, t + h.ttlMs);
        else for (let k = 1; k <= n; k++) held.set(leaseMember(id, k), t + h.ttlMs);
        counts[i]! += n;
      } else {
        const r = reservationsOf(h.key, t, undefined);
        r.open.set(id, { amount: h.amount, expiresAt: t + h.ttlMs });
        r.held += h.amount;
        counts[i]! += h.amount;
      }
    }
    return { granted: true, id, counts };
  }

  function liveCounter(key: string, t: number): Counter | undefined {
    const c = counters.get(key);
    return c && c.expiresAt > t ? c : undefined;
  }

  return {
    get size() {
      return counters.size + buckets.size + reservations.size + leases.size + hub.channelCount;
    },
    backend: 'memory',
    failureMode: options.failureMode ?? 'open',
    degraded: false,
    onDegradedChange: () => () => {},

    async increment(key: string, by: number, ttlMs: number) {
      const t = clock();
      const c = liveCounter(key, t);
      if (c) return (c.value += by);
      counters.set(key, { value: by, expiresAt: t + ttlMs });
      return by;
    },

    async read(key: string) {
      return liveCounter(key, clock())?.value ?? 0;
    },

    async take(key: string, cost: number, spec: BucketSpec) {
      const t = clock();
      const { tat, decision } = gcraTake(buckets.get(key), t, cost, spec);
      if (tat > t) buckets.set(key, tat);
      return decision;
    },

    async reserve(key: string, spec: ReservationSpec) {
      const t = clock();
      const r = reservationsOf(key, t, spec.retainMs);
      const used = r.settled + r.held;
      if (used + spec.amount > spec.limit) return { granted: false, used };
      const id = nextId();
      r.open.set(id, { amount: spec.amount, expiresAt: t + spec.ttlMs });
      r.held += spec.amount;
      return { granted: true, id, used: used + spec.amount };
    },

    async settle(key: string, reservationId: string, actual: number) {
      return settle(key, reservationId, actual);
    },

    async addUsage(key: string, amount: number, retainMs?: number) {
      reservationsOf(key, clock(), retainMs).settled += amount;
    },

    async seedUsage(key: string, amount: number, retainMs?: number) {
      const t = clock();
      const existing = reservations.get(key);
      if (existing) dropExpired(existing, t);
      const live = existing && (existing.open.size > 0 || existing.retainUntil > t);
      if (live) return false;
      reservationsOf(key, t, retainMs).settled = amount;
      return true;
    },

    async acquireLease(key: string, spec: LeaseSpec) {
      const t = clock();
      const held = leasesOf(key, t);
      if (held.size >= spec.max) return { granted: false, held: held.size };
      const id = nextId();
      held.set(id, t + spec.ttlMs);
      return { granted: true, id, held: held.size };
    },

    async releaseLease(key: string, leaseId: string) {
      releaseLease(key, leaseId);
    },

    async admit(holds: readonly HoldSpec[]) {
      return admit(holds);
    },

    async endHolds(id: string, ends: readonly HoldEnd[]) {
      return ends.map((e) => (e.kind === 'lease' ? void releaseLeases(e, id) : settle(e.key, id, e.actual)));
    },

    async publish(channel: string, message: string) {
      hub.deliver(channel, message);
    },

    async subscribe(channel: string, onMessage: (message: string) => void) {
      return hub.add(channel, onMessage);
    },

    async close() {
      counters.clear();
      buckets.clear();
      reservations.clear();
      leases.clear();
      hub.clear();
    },
  };
}
