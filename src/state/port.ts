// The state port: every counter, bucket, reservation, lease and broadcast that replicas must share goes through
// this one asynchronous interface. Adapters: memory (one replica) and Redis (many). Contract tests run on both.
//
// Keys: any string. A key may name its own Redis Cluster hash tag in braces (`{key:abc}:rpm`, `{key:abc}:tpm`) so
// that every limit of one subject lives in one slot; a key without braces is its own tag.

export interface BucketSpec {
  /** Most tokens the bucket holds (the burst). A cost above it is never allowed: refuse the request as too large. */
  capacity: number;
  /** Tokens added per second (steady rate). */
  refillPerSecond: number;
}

export interface BucketDecision {
  allowed: boolean;
  /** Whole tokens left after this decision. */
  remaining: number;
  /** Seconds (millisecond precision) until `cost` tokens would be available (0 when allowed). */
  retryAfterSeconds: number;
  /** Seconds (millisecond precision) until the bucket is full again. */
  resetSeconds: number;
}

export interface ReservationSpec {
  /** What this request may use at most (an estimate made before the call). */
  amount: number;
  /** The ceiling for settled usage plus open reservations; a reservation that would pass it is refused. */
  limit: number;
  /** An unsettled reservation expires after this long (its replica may have crashed). */
  ttlMs: number;
  /** Settled usage is forgotten this long after the last reserve (a periodic budget: the rest of its period). */
  retainMs?: number;
}

/** `used`: settled usage plus open reservations after the decision (this one included when granted). */
export type ReservationResult =
  | { granted: true; id: string; used: number }
  | { granted: false; used: number };

export interface LeaseSpec {
  /** Most leases held at once under this key. */
  max: number;
  /** A lease not released within this long is dropped (its replica may have crashed). */
  ttlMs: number;
}

/** `held`: leases held under the key after the decision (this one included when granted). */
export type LeaseResult = { granted: true; id: string; held: number } | { granted: false; held: number };

/**
 * One hold of an admission: `count` leases (1 when absent; all under `max` at once) or a reservation (against
 * `limit`).
 */
export type HoldSpec = ({ kind: 'lease'; key: string; count?: number } & LeaseSpec) | ({ kind: 'reserve'; key: string } & ReservationSpec);

/**
 * An admission is all or nothing: every hold is taken, under one id, or none is. `counts`, per hold in order: leases
 * held (a lease) or settled usage plus open reservations (a reservation) after the decision, this one's included
 * when granted. `refused`: the index of the first hold that did not fit.
 */
export type AdmitResult = { granted: true; id: string; counts: number[] } | { granted: false; refused: number; counts: number[] };

/** What ends an admission's hold: leases freed, or a reservation settled with what was really used. */
export interface HoldEnd {
  kind: 'lease' | 'settle';
  key: string;
  /** The usage a settle records (ignored for a lease). */
  actual: number;
  /** A lease hold's `count` as admitted (1 when absent). */
  count?: number;
  /** Of a lease hold's `count`, how many stay held until they expire (0 when absent: all are freed). */
  keep?: number;
}

export type Unsubscribe = () => Promise<void>;

export interface StatePort {
  /** Adds `by` to a counter that expires `ttlMs` after it was created; resolves to the new value. */
  increment(key: string, by: number, ttlMs: number): Promise<number>;
  /** A counter's value (0 when absent or expired). */
  read(key: string): Promise<number>;
  /** Takes `cost` tokens from a token bucket when it holds them; one atomic decision. A new bucket is full. */
  take(key: string, cost: number, spec: BucketSpec): Promise<BucketDecision>;
  /** Reserves `spec.amount` against `spec.limit`, counting settled usage and open reservations. */
  reserve(key: string, spec: ReservationSpec): Promise<ReservationResult>;
  /**
   * Replaces a reservation by what was really used (which may exceed the estimate); unknown ids still add `actual`.
   * Resolves to the settled usage after it (open reservations not included), or undefined when the store could not
   * be told now (degraded; the usage is kept for it).
   */
  settle(key: string, reservationId: string, actual: number): Promise<number | undefined>;
  /** Adds usage that had no reservation (e.g. replayed spend at start-up); `retainMs` as in ReservationSpec. */
  addUsage(key: string, amount: number, retainMs?: number): Promise<void>;
  /**
   * Sets settled usage to `amount` only if the key holds nothing yet (no usage, no reservation): one atomic step, so
   * several replicas seeding one budget from the recorded spend at start count it once. Resolves to whether it was set.
   */
  seedUsage(key: string, amount: number, retainMs?: number): Promise<boolean>;
  acquireLease(key: string, spec: LeaseSpec): Promise<LeaseResult>;
  releaseLease(key: string, leaseId: string): Promise<void>;
  /** Takes every hold or none, in one atomic decision (one round trip on Redis). */
  admit(holds: readonly HoldSpec[]): Promise<AdmitResult>;
  /**
   * Ends the holds an admission took under `id` (releaseLease / settle each, in one round trip on Redis). Resolves,
   * per hold in order, to what settle would (the settled usage, or undefined when the store could not be told now);
   * undefined for a lease.
   */
  endHolds(id: string, ends: readonly HoldEnd[]): Promise<Array<number | undefined>>;
  /** Delivers `message` to every subscriber of `channel` on every replica (at most once, no replay). */
  publish(channel: string, message: string): Promise<void>;
  /** Never fails for an unreachable store: the subscription is (re)made whenever the store is reachable. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe>;
  /** Which adapter this is and what it does while its store is away (for /health/ready). */
  readonly backend: 'memory' | 'redis';
  readonly failureMode: 'open' | 'closed';
  /** True while the backing store is unreachable and decisions are made locally (or refused). */
  readonly degraded: boolean;
  /**
   * Calls `listener` on every change of `degraded` (a gauge follows it; after `false`, anything broadcast while the
   * store was away may have been missed: re-read what must be fresh). Returns a function that removes the listener.
   */
  onDegradedChange(listener: (degraded: boolean) => void): () => void;
  close(): Promise<void>;
}
