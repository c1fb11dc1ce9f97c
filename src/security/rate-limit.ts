// Per-key rate limit (RATE_LIMIT_RPM): a token bucket per gateway key id, or per client address when the gateway has
// no keys. Over the limit → 429 rate_limit_exceeded with Retry-After, before any upstream is called.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors.js';

export interface RateDecision {
  allowed: boolean;
  /** Whole requests left right now. */
  remaining: number;
  /** Seconds until the next request would be allowed (0 when allowed). */
  retryAfter: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const SWEEP_EVERY_MS = 60_000;

/**
 * A bucket holds up to `perMinute` requests and refills at perMinute/60 per second: a client may burst its whole
 * minute, then continues at the steady rate. Unlike a fixed window, two bursts cannot straddle a window boundary.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private lastSweep: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
    this.lastSweep = now();
  }

  take(id: string): RateDecision {
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    const bucket = this.buckets.get(id);
    let tokens = bucket ? Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs) : this.perMinute;
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.buckets.set(id, { tokens, at: now });
    const retryAfter = allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
    return { allowed, remaining: Math.floor(tokens), retryAfter };
  }

  /** Clients tracked now (memory stays bounded by the clients active within the last minute or so). */
  get size(): number {
    return this.buckets.size;
  }

  /** A bucket that has refilled completely says nothing a fresh one would not: drop it. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [id, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.perMinute) this.buckets.delete(id);
    }
  }
}

/** The hook run after authentication on /v1 and /api routes; undefined when RATE_LIMIT_RPM is 0 (no limit). */
export function createRateLimitHook(perMinute: number, now?: () => number) {
  if (perMinute <= 0) return undefined;
  const limiter = new RateLimiter(perMinute, now);
  return function rateLimit(req: FastifyRequest, reply: FastifyReply): void {
    const id = req.gatewayKeyId ?? `ip:${req.ip}`;
    const decision = limiter.take(id);
    // On the raw response, so streamed replies (written with writeHead) carry them too. OpenAI's header names.
    reply.raw.setHeader('x-ratelimit-limit-requests', String(perMinute));
    reply.raw.setHeader('x-ratelimit-remaining-requests', String(decision.remaining));
    if (decision.allowed) return;
    throw new GatewayError({
      status: 429,
      type: 'rate_limit_error',
      message: `Rate limit reached: ${perMinute} requests per minute for this ${req.gatewayKeyId ? 'key' : 'client'}. Retry after ${decision.retryAfter} s.`,
      code: 'rate_limit_exceeded',
      retryAfter: decision.retryAfter,
      retryable: false,
    });
  };
}
