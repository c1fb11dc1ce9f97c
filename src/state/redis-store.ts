// The state port's operations against a reachable Redis: key names, one script call each, replies checked.
// Faults (timeouts, a lost connection) surface as rejections; redis.ts decides what they mean.
import type { Redis } from 'ioredis';
import { idMaker } from './ids.js';
import type { AdmitResult, BucketDecision, BucketSpec, HoldEnd, HoldSpec, LeaseResult, LeaseSpec, ReservationResult, ReservationSpec } from './port.js';
import { defineScripts, type ScriptCommands } from './redis-scripts.js';

/**
 * `prefix` + the key with its hash tag: a key naming its own `{tag}` keeps it, any other key becomes one tag, so all
 * Redis keys of one port key (and of one subject, when callers tag by subject) live in one Cluster slot.
 */
export function redisKey(prefix: string, key: string): string {
  const open = key.indexOf('{');
  const tagged = open !== -1 && key.indexOf('}', open + 2) !== -1;
  return tagged ? prefix + key : `${prefix}{${key}}`;
}

function num(reply: unknown, what: string): number {
  const value = typeof reply === 'number' ? reply : typeof reply === 'string' ? Number(reply) : Number.NaN;
  if (!Number.isFinite(value)) throw new Error(`unexpected Redis reply for ${what}: ${String(reply)}`);
  return value;
}

function pair(reply: unknown, what: string): [boolean, number] {
  if (!Array.isArray(reply) || reply.length < 2) throw new Error(`unexpected Redis reply for ${what}`);
  return [num(reply[0], what) === 1, num(reply[1], what)];
}

export class RedisStore {
  private readonly redis: Redis & ScriptCommands;
  private readonly nextId = idMaker();

  /** `now` is the caller's clock, or undefined to decide by Redis's TIME (see redis.ts). */
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly now: (() => number) | undefined,
  ) {
    this.redis = defineScripts(redis);
  }

  private clock(): number {
    return this.now ? this.now() : -1;
  }

  private key(key: string, kind: string): string {
    return `${redisKey(this.prefix, key)}:${kind}`;
  }

  /**
   * A reservation's hash and zset. Named anew when their layout changed (2026-12-02: open count and expiry bounds in
   * the hash), so a replica still running the older scripts during a rolling upgrade never reads the newer layout.
   */
  private reservationKeys(key: string): [string, string] {
    return [this.key(key, 'res'), this.key(key, 'resz')];
  }

  channel(channel: string): string {
    return `${this.prefix}ch:${channel}`;
  }

  async increment(key: string, by: number, ttlMs: number): Promise<number> {
    return num(await this.redis.gwIncrement(this.key(key, 'n'), this.clock(), by, ttlMs), 'increment');
  }

  async read(key: string): Promise<number> {
    return num(await this.redis.gwRead(this.key(key, 'n'), this.clock()), 'read');
  }

  async take(key: string, cost: number, spec: BucketSpec): Promise<BucketDecision> {
    const reply = await this.redis.gwTake(this.key(key, 'b'), this.clock(), cost, spec.capacity, spec.refillPerSecond);
    if (!Array.isArray(reply) || reply.length !== 4) throw new Error('unexpected Redis reply for take');
    return {
      allowed: num(reply[0], 'take') === 1,
      remaining: num(reply[1], 'take'),
      retryAfterSeconds: num(reply[2], 'take') / 1000,
      resetSeconds: num(reply[3], 'take') / 1000,
    };
  }

  async reserve(key: string, spec: ReservationSpec): Promise<ReservationResult> {
    const id = this.nextId();
    const reply = await this.redis.gwReserve(...this.reservationKeys(key), this.clock(), spec.amount, spec.limit, spec.ttlMs, spec.retainMs ?? '', id);
    const [granted, used] = pair(reply, 'reserve');
    return granted ? { granted, id, used } : { granted, used };
  }

  async settle(key: string, reservationId: string, actual: number): Promise<number> {
    return num(await this.redis.gwSettle(...this.reservationKeys(key), this.clock(), reservationId, actual), 'settle');
  }

  async seedUsage(key: string, amount: number, retainMs?: number): Promise<boolean> {
    return num(await this.redis.gwSeed(...this.reservationKeys(key), this.clock(), amount, retainMs ?? ''), 'seed') === 1;
  }

  async addUsage(key: string, amount: number, retainMs?: number): Promise<void> {
    await this.redis.gwAddUsage(...this.reservationKeys(key), this.clock(), amount, retainMs ?? '');
  }

  async acquireLease(key: string, spec: LeaseSpec): Promise<LeaseResult> {
    const id = this.nextId();
    const [granted, held] = pair(await this.redis.gwAcquire(this.key(key, 'l'), this.clock(), spec.max, spec.ttlMs, id), 'lease');
    return granted ? { granted, id, held } : { granted, held };
  }

  async admit(holds: readonly HoldSpec[]): Promise<AdmitResult> {
    const id = this.nextId();
    const keys: string[] = [];
    const args: Array<string | number> = [this.clock(), id];
    for (const h of holds) {
      if (h.kind === 'lease') {
        keys.push(this.key(h.key, 'l'));
        args.push('l', h.max, h.ttlMs, h.count ?? 1);
      } else {
        keys.push(...this.reservationKeys(h.key));
        args.push('r', h.amount, h.limit, h.ttlMs, h.retainMs ?? '');
      }
    }
    const reply = await this.redis.gwAdmit(keys.length, keys, args);
    if (!Array.isArray(reply) || reply.length !== holds.length + 1) throw new Error('unexpected Redis reply for admit');
    const counts: number[] = new Array<number>(holds.length);
    for (let i = 0; i < holds.length; i++) counts[i] = num(reply[i + 1], 'admit');
    const refused = num(reply[0], 'admit') - 1;
    return refused < 0 ? { granted: true, id, counts } : { granted: false, refused, counts };
  }

  async endHolds(id: string, ends: readonly HoldEnd[]): Promise<Array<number | undefined>> {
    const keys: string[] = [];
    const args: Array<string | number> = [this.clock(), id];
    for (const e of ends) {
      if (e.kind === 'lease') {
        keys.push(this.key(e.key, 'l'));
        args.push('l', e.count ?? 1, e.keep ?? 0);
      } else {
        keys.push(...this.reservationKeys(e.key));
        args.push('s', e.actual, '');
      }
    }
    const reply = await this.redis.gwEndHolds(keys.length, keys, args);
    if (!Array.isArray(reply) || reply.length !== ends.length) throw new Error('unexpected Redis reply for endHolds');
    return ends.map((e, i) => (e.kind === 'lease' ? undefined : num(reply[i], 'endHolds')));
  }

  async releaseLease(key: string, leaseId: string): Promise<void> {
    await this.redis.zrem(this.key(key, 'l'), leaseId);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.channel(channel), message);
  }
}
