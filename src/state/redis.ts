// The Redis adapter of the state port: shared decisions through atomic scripts while Redis answers, and an explicit
// failure mode while it does not (`open`: decide locally at limit ÷ replicas; `closed`: 503), recovering by itself.
//
// Clock: by default every script reads Redis's own TIME, so all replicas decide by one clock and a replica whose
// clock runs ahead cannot refill a bucket or expire a reservation early. (In a Cluster, all keys of one subject sit
// in one slot, hence on one master, hence one clock.) `now` replaces it with the caller's clock, for tests.
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors.js';
import { LocalHub, type StateLog } from './hub.js';
import { LocalFallback } from './local-fallback.js';
import type { AdmitResult, BucketSpec, HoldEnd, HoldSpec, LeaseSpec, ReservationSpec, StatePort, Unsubscribe } from './port.js';
import { closeConnection, connectWithin, isUnavailable, openConnection } from './redis-connection.js';
import { RedisStore } from './redis-store.js';

const AWAY = Symbol('redis unreachable');

export type FailureMode = 'open' | 'closed';
export type StateOperation = 'increment' | 'read' | 'take' | 'reserve' | 'seedUsage' | 'acquireLease' | 'admit' | 'publish';

export interface StateMetrics {
  /** A decision made while degraded: locally (`open`) or refused (`closed`). */
  degradedDecision(operation: StateOperation, outcome: 'local' | 'refused'): void;
}

export interface RedisStateOptions {
  url: string;
  /** Namespace of every key and channel (REDIS_PREFIX), e.g. `llmgw:`; no braces (they would move the hash tag). */
  prefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  failureMode: FailureMode;
  /** Replicas sharing this Redis: while it is away, each enforces limit ÷ replicas. */
  replicas: number;
  log: StateLog;
  metrics?: StateMetrics;
  /** Decide by this clock instead of Redis's TIME (tests). */
  now?: () => number;
  /** How often a degraded adapter asks Redis whether it is back. */
  probeEveryMs?: number;
}

export function stateUnavailable(cause?: unknown): GatewayError {
  return new GatewayError({ status: 503, code: 'state_unavailable', retryAfter: 1, message: 'Shared limits are unavailable right now (Redis is unreachable); retry shortly.', cause });
}

/** Connects (waiting at most connectTimeoutMs) and resolves either way: unreachable at start is degraded, not fatal. */
export async function createRedisState(options: RedisStateOptions): Promise<StatePort> {
  if (/[{}]/.test(options.prefix)) throw new Error('REDIS_PREFIX must not contain braces');
  if (!(options.replicas >= 1)) throw new Error('replicas must be at least 1');
  const limits = { connectTimeoutMs: options.connectTimeoutMs, commandTimeoutMs: options.commandTimeoutMs };
  const redis = openConnection(options.url, 'llm-gateway', limits);
  const subscriber = openConnection(options.url, 'llm-gateway-sub', limits);
  const state = new RedisState(redis, subscriber, options);
  const [connected] = await Promise.all([connectWithin(redis, options.connectTimeoutMs), connectWithin(subscriber, options.connectTimeoutMs)]);
  if (!connected) state.markUnreachable(new Error('Redis did not answer within the connect timeout'));
  return state;
}

class RedisState implements StatePort {
  readonly backend = 'redis';
  readonly failureMode: FailureMode;
  degraded = false;
  private closing = false;
  private probing = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly store: RedisStore;
  private readonly fallback: LocalFallback;
  private readonly hub: LocalHub;
  private readonly listeners = new Set<(degraded: boolean) => void>();
  private readonly open: boolean;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly options: RedisStateOptions,
  ) {
    this.failureMode = options.failureMode;
    this.open = options.failureMode === 'open';
    this.store = new RedisStore(redis, options.prefix, options.now);
    this.fallback = new LocalFallback(options.replicas, options.now);
    this.hub = new LocalHub((err, channel) => options.log.warn({ err, channel }, 'state subscriber failed'));
    // Without an 'error' listener ioredis prints to the console; the transition below is logged once instead.
    redis.on('error', () => {});
    subscriber.on('error', () => {});
    redis.on('close', () => this.markUnreachable(new Error('connection to Redis closed')));
    redis.on('ready', () => void this.probe());
    subscriber.on('ready', () => this.resubscribe());
    const channelPrefix = this.store.channel('');
    subscriber.on('message', (channel: string, message: string) => this.hub.deliver(channel.slice(channelPrefix.length), message));
  }

  onDegradedChange(listener: (degraded: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  markUnreachable(err: unknown): void {
    if (this.degraded || this.closing) return;
    this.degraded = true;
    if (this.open) this.fallback.begin();
    const how = this.open ? `deciding locally at limit / ${this.options.replicas}` : 'refusing with 503';
    this.options.log.warn({ err: err instanceof Error ? err.message : String(err) }, `state store unreachable: ${how}`);
    this.probeTimer = setInterval(() => void this.probe(), this.options.probeEveryMs ?? 500);
    this.probeTimer.unref();
    this.notify();
  }

  /** Back only once Redis answers and has heard the usage settled meanwhile. */
  private async probe(): Promise<void> {
    if (!this.degraded || this.probing || this.closing) return;
    this.probing = true;
    try {
      await this.redis.ping();
      const pending = this.fallback.drainPending();
      const replayed = await Promise.allSettled(pending.map(([key, p]) => this.store.addUsage(key, p.amount, p.retainMs)));
      const failed = replayed.flatMap((r, i) => (r.status === 'rejected' ? [pending[i]!] : []));
      for (const [key, p] of failed) this.fallback.keepForRedis(key, p.amount, p.retainMs);
      if (failed.length > 0 || this.closing) return;
      clearInterval(this.probeTimer);
      this.degraded = false;
      this.options.log.info({ replayedKeys: pending.length }, 'state store reachable again');
      this.notify();
    } catch {
      // Still away; the next tick asks again.
    } finally {
      this.probing = false;
    }
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.degraded);
      } catch (err) {
        this.options.log.warn({ err }, 'state degraded listener failed');
      }
    }
  }

  /** Redis's answer, or AWAY while it is unreachable. Only unreachability degrades: a bug still throws. */
  private async viaRedis<T>(call: () => Promise<T>): Promise<T | typeof AWAY> {
    if (this.degraded) return AWAY;
    try {
      return await call();
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      this.markUnreachable(err);
      return AWAY;
    }
  }

  /** Redis when it answers; otherwise the failure mode decides. */
  private async decide<T>(operation: StateOperation, remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    const answer = await this.viaRedis(remote);
    if (answer !== AWAY) return answer;
    if (!this.open) {
      this.options.metrics?.degradedDecision(operation, 'refused');
      throw stateUnavailable();
    }
    this.options.metrics?.degradedDecision(operation, 'local');
    return local();
  }

  /** Usage already happened, so it is never refused: while degraded it waits for Redis (and counts locally). */
  private async record<T>(remote: () => Promise<T>, key: string, amount: number, retainMs: number | undefined, local: () => Promise<T>): Promise<T | undefined> {
    const answer = await this.viaRedis(remote);
    if (answer !== AWAY) return answer;
    if (this.open) return local();
    this.fallback.keepForRedis(key, amount, retainMs);
    return undefined;
  }

  increment(key: string, by: number, ttlMs: number): Promise<number> {
    return this.decide('increment', () => this.store.increment(key, by, ttlMs), () => this.fallback.increment(key, by, ttlMs));
  }

  read(key: string): Promise<number> {
    return this.decide('read', () => this.store.read(key), () => this.fallback.read(key));
  }

  take(key: string, cost: number, spec: BucketSpec) {
    return this.decide('take', () => this.store.take(key, cost, spec), () => this.fallback.take(key, cost, spec));
  }

  reserve(key: string, spec: ReservationSpec) {
    const remote = async () => {
      const result = await this.store.reserve(key, spec);
      if (this.open) this.fallback.noteUsed(key, result.used);
      return result;
    };
    return this.decide('reserve', remote, () => this.fallback.reserve(key, spec));
  }

  settle(key: string, reservationId: string, actual: number): Promise<number | undefined> {
    return this.record(() => this.store.settle(key, reservationId, actual), key, actual, undefined, () => this.fallback.settle(key, reservationId, actual));
  }

  async addUsage(key: string, amount: number, retainMs?: number): Promise<void> {
    await this.record(() => this.store.addUsage(key, amount, retainMs), key, amount, retainMs, () => this.fallback.addUsage(key, amount, retainMs));
  }

  seedUsage(key: string, amount: number, retainMs?: number): Promise<boolean> {
    return this.decide('seedUsage', () => this.store.seedUsage(key, amount, retainMs), () => this.fallback.seedUsage(key, amount));
  }

  acquireLease(key: string, spec: LeaseSpec) {
    return this.decide('acquireLease', () => this.store.acquireLease(key, spec), () => this.fallback.acquireLease(key, spec));
  }

  /** A lease Redis cannot hear about now expires there by its ttl; a local one is released here. */
  async releaseLease(key: string, leaseId: string): Promise<void> {
    const released = await this.viaRedis(() => this.store.releaseLease(key, leaseId));
    if (released === AWAY && this.open) await this.fallback.releaseLease(key, leaseId);
  }

  admit(holds: readonly HoldSpec[]): Promise<AdmitResult> {
    const remote = async () => {
      const result = await this.store.admit(holds);
      if (this.open) for (let i = 0; i < holds.length; i++) if (holds[i]!.kind === 'reserve') this.fallback.noteUsed(holds[i]!.key, result.counts[i]!);
      return result;
    };
    return this.decide('admit', remote, () => this.fallback.admit(holds));
  }

  /** One script while Redis answers; while it does not, each hold ends as settle and releaseLease end theirs. */
  async endHolds(id: string, ends: readonly HoldEnd[]): Promise<Array<number | undefined>> {
    const answer = await this.viaRedis(() => this.store.endHolds(id, ends));
    if (answer !== AWAY) return answer;
    if (this.open) return this.fallback.endHolds(id, ends);
    for (const e of ends) if (e.kind === 'settle') this.fallback.keepForRedis(e.key, e.actual, undefined);
    return ends.map(() => undefined);
  }

  publish(channel: string, message: string): Promise<void> {
    return this.decide('publish', () => this.store.publish(channel, message), async () => this.hub.deliver(channel, message));
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe> {
    const first = !this.hub.has(channel);
    const remove = this.hub.add(channel, onMessage);
    if (first && this.subscriber.status === 'ready') {
      await this.subscriber.subscribe(this.store.channel(channel)).catch(() => undefined);
    }
    return async () => {
      await remove();
      if (!this.hub.has(channel) && this.subscriber.status === 'ready') {
        await this.subscriber.unsubscribe(this.store.channel(channel)).catch(() => undefined);
      }
    };
  }

  private resubscribe(): void {
    const channels = this.hub.channels().map((channel) => this.store.channel(channel));
    if (channels.length > 0) this.subscriber.subscribe(...channels).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.probeTimer);
    this.hub.clear();
    await this.fallback.close();
    await Promise.all([closeConnection(this.redis, this.options.commandTimeoutMs), closeConnection(this.subscriber, this.options.commandTimeoutMs)]);
  }
}
