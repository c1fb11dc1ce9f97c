// The state port kept in this process (one replica): counters, token buckets, reservations, leases and pub/sub in
// maps. Minimal stand-in written for the HTTP layer's rate limit; the state adapters' own version replaces it.
import { randomUUID } from 'node:crypto';
import type { BucketDecision, BucketSpec, LeaseResult, LeaseSpec, ReservationResult, ReservationSpec, StatePort, Unsubscribe } from './port.js';

export interface MemoryStateOptions {
  /** Epoch ms; tests inject a clock so they never wait on real time. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
  spec: BucketSpec;
}

/** Full buckets and expired entries are dropped this often, so memory follows the active keys only. */
const SWEEP_EVERY_MS = 60_000;

export function createMemoryState(options: MemoryStateOptions = {}): StatePort {
  const now = options.now ?? Date.now;
  const counters = new Map<string, { value: number; expiresAt: number }>();
  const buckets = new Map<string, Bucket>();
  const usage = new Map<string, number>();
  const reservations = new Map<string, Map<string, { amount: number; expiresAt: number }>>();
  const leases = new Map<string, Map<string, number>>();
  const channels = new Map<string, Set<(message: string) => void>>();
  let lastSweep = now();

  function sweep(at: number): void {
    if (at - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = at;
    for (const [key, counter] of counters) if (counter.expiresAt <= at) counters.delete(key);
    for (const [key, b] of buckets) if (b.tokens + ((at - b.at) / 1000) * b.spec.refillPerSecond >= b.spec.capacity) buckets.delete(key);
  }

  function live<T extends { expiresAt: number } | number>(entries: Map<string, T>, at: number): Map<string, T> {
    for (const [id, entry] of entries) if ((typeof entry === 'number' ? entry : entry.expiresAt) <= at) entries.delete(id);
    return entries;
  }

  const inner = <T>(maps: Map<string, Map<string, T>>, key: string): Map<string, T> => {
    let map = maps.get(key);
    if (!map) maps.set(key, (map = new Map()));
    return map;
  };

  return {
    degraded: false,
    async increment(key, by, ttlMs) {
      const at = now();
      sweep(at);
      const counter = counters.get(key);
      if (!counter || counter.expiresAt <= at) {
        counters.set(key, { value: by, expiresAt: at + ttlMs });
        return by;
      }
      counter.value += by;
      return counter.value;
    },
    async read(key) {
      const counter = counters.get(key);
      return counter && counter.expiresAt > now() ? counter.value : 0;
    },
    async take(key, cost, spec): Promise<BucketDecision> {
      const at = now();
      sweep(at);
      const bucket = buckets.get(key);
      let tokens = bucket ? Math.min(spec.capacity, bucket.tokens + ((at - bucket.at) / 1000) * spec.refillPerSecond) : spec.capacity;
      const allowed = tokens >= cost;
      if (allowed) tokens -= cost;
      buckets.set(key, { tokens, at, spec });
      return {
        allowed,
        remaining: Math.floor(tokens),
        retryAfterSeconds: allowed ? 0 : (cost - tokens) / spec.refillPerSecond,
        resetSeconds: (spec.capacity - tokens) / spec.refillPerSecond,
      };
    },
    async reserve(key, spec: ReservationSpec): Promise<ReservationResult> {
      const at = now();
      const open = live(inner(reservations, key), at);
      let used = usage.get(key) ?? 0;
      for (const r of open.values()) used += r.amount;
      if (used + spec.amount > spec.limit) return { granted: false, used };
      const id = randomUUID();
      open.set(id, { amount: spec.amount, expiresAt: at + spec.ttlMs });
      return { granted: true, id, used: used + spec.amount };
    },
    async settle(key, reservationId, actual) {
      reservations.get(key)?.delete(reservationId);
      usage.set(key, (usage.get(key) ?? 0) + actual);
    },
    async addUsage(key, amount) {
      usage.set(key, (usage.get(key) ?? 0) + amount);
    },
    async acquireLease(key, spec: LeaseSpec): Promise<LeaseResult> {
      const at = now();
      const held = live(inner(leases, key), at);
      if (held.size >= spec.max) return { granted: false, held: held.size };
      const id = randomUUID();
      held.set(id, at + spec.ttlMs);
      return { granted: true, id, held: held.size };
    },
    async releaseLease(key, leaseId) {
      leases.get(key)?.delete(leaseId);
    },
    async publish(channel, message) {
      for (const listener of channels.get(channel) ?? []) listener(message);
    },
    async subscribe(channel, onMessage): Promise<Unsubscribe> {
      let set = channels.get(channel);
      if (!set) channels.set(channel, (set = new Set()));
      set.add(onMessage);
      return async () => {
        set.delete(onMessage);
      };
    },
    async close() {
      counters.clear();
      buckets.clear();
      channels.clear();
    },
  };
}
