// What one replica may decide alone while Redis is away (failure mode `open`): a fresh memory state with every limit
// divided by the replica count, budgets starting from the last spend Redis reported, and the usage settled meanwhile
// kept aside for Redis when it returns.
import { createMemoryState, type MemoryState } from './memory.js';
import type { AdmitResult, BucketDecision, BucketSpec, HoldEnd, HoldSpec, LeaseResult, LeaseSpec, ReservationResult, ReservationSpec } from './port.js';

// Bounds on what is remembered per key, so an outage (or a flood of keys) cannot grow memory without end.
const MAX_KEYS = 10_000;

interface PendingUsage {
  amount: number;
  retainMs: number | undefined;
}

function remember<V>(map: Map<string, V>, key: string, value: V): boolean {
  if (!map.has(key) && map.size >= MAX_KEYS) {
    const oldest = map.keys().next();
    if (oldest.done) return false;
    map.delete(oldest.value);
  }
  map.set(key, value);
  return true;
}

export class LocalFallback {
  private local: MemoryState | undefined;
  /** Settled usage plus open reservations per key, as Redis last reported it. */
  private readonly lastUsed = new Map<string, number>();
  private readonly pending = new Map<string, PendingUsage>();

  constructor(
    private readonly replicas: number,
    private readonly now: (() => number) | undefined,
  ) {}

  /** Every outage starts from a clean slate: what was decided locally last time is not Redis's state now. */
  begin(): void {
    void this.local?.close();
    this.local = createMemoryState({ now: this.now });
  }

  private state(): MemoryState {
    return (this.local ??= createMemoryState({ now: this.now }));
  }

  noteUsed(key: string, used: number): void {
    remember(this.lastUsed, key, used);
  }

  /** Usage that Redis must still hear about; it is summed per key. */
  keepForRedis(key: string, amount: number, retainMs: number | undefined): void {
    const kept = this.pending.get(key);
    if (kept) {
      kept.amount += amount;
      kept.retainMs = retainMs ?? kept.retainMs;
    } else remember(this.pending, key, { amount, retainMs });
  }

  /** Hands the kept usage over (and forgets it); the caller puts back whatever Redis refused. */
  drainPending(): Array<[string, PendingUsage]> {
    const all = [...this.pending];
    this.pending.clear();
    return all;
  }

  get pendingKeys(): number {
    return this.pending.size;
  }

  // A bucket keeps at least one token of burst, so a key whose limit is below the replica count is slowed, not shut.
  take(key: string, cost: number, spec: BucketSpec): Promise<BucketDecision> {
    const capacity = Math.max(spec.capacity / this.replicas, Math.min(spec.capacity, 1));
    return this.state().take(key, cost, { capacity, refillPerSecond: spec.refillPerSecond / this.replicas });
  }

  /** Each replica may spend its share of what was left when Redis went away, so all of them together stay within. */
  private reserveShare(key: string, limit: number): number {
    return Math.max(0, limit - (this.lastUsed.get(key) ?? 0)) / this.replicas;
  }

  private leaseShare(max: number): number {
    return Math.max(1, Math.floor(max / this.replicas));
  }

  reserve(key: string, spec: ReservationSpec): Promise<ReservationResult> {
    return this.state().reserve(key, { ...spec, limit: this.reserveShare(key, spec.limit) });
  }

  settle(key: string, reservationId: string, actual: number): Promise<number | undefined> {
    this.keepForRedis(key, actual, undefined);
    return this.state().settle(key, reservationId, actual);
  }

  admit(holds: readonly HoldSpec[]): Promise<AdmitResult> {
    const shares = holds.map((h): HoldSpec => (h.kind === 'lease' ? { ...h, max: this.leaseShare(h.max) } : { ...h, limit: this.reserveShare(h.key, h.limit) }));
    return this.state().admit(shares);
  }

  endHolds(id: string, ends: readonly HoldEnd[]): Promise<Array<number | undefined>> {
    for (const e of ends) if (e.kind === 'settle') this.keepForRedis(e.key, e.actual, undefined);
    return this.state().endHolds(id, ends);
  }

  /**
   * Recorded spend read while Redis is away stands in for what Redis would report (unless Redis reported already);
   * it is not replayed to Redis, which is seeded from the same records once it is back.
   */
  seedUsage(key: string, amount: number): Promise<boolean> {
    if (!this.lastUsed.has(key)) remember(this.lastUsed, key, amount);
    return Promise.resolve(false);
  }

  addUsage(key: string, amount: number, retainMs: number | undefined): Promise<void> {
    this.keepForRedis(key, amount, retainMs);
    return this.state().addUsage(key, amount, retainMs);
  }

  acquireLease(key: string, spec: LeaseSpec): Promise<LeaseResult> {
    return this.state().acquireLease(key, { ...spec, max: this.leaseShare(spec.max) });
  }

  releaseLease(key: string, leaseId: string): Promise<void> {
    return this.state().releaseLease(key, leaseId);
  }

  increment(key: string, by: number, ttlMs: number): Promise<number> {
    return this.state().increment(key, by, ttlMs);
  }

  read(key: string): Promise<number> {
    return this.state().read(key);
  }

  async close(): Promise<void> {
    await this.local?.close();
  }
}
