// Per-caller request rate (RATE_LIMIT_RPM): a token bucket per gateway key id, or per client address when the
// gateway has no keys, kept behind the state port (in process now, shared through Redis later). Over the limit →
// 429 rate_limit_exceeded with Retry-After, before any upstream is called. The pipeline's limits stage applies it
// to proxied requests; this plugin's hook to the other keyed routes (model lists, history). Both use the same
// bucket, so a caller has one budget whichever route it calls.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors.js';
import { writeRateLimitHeaders, writeRetryAfterMs, type HeaderTarget } from '../../pipeline/headers.js';
import type { BucketSpec, StatePort } from '../../state/port.js';
import { sharedHooks } from './shared-hooks.js';

export interface RateDecision {
  allowed: boolean;
  /** Whole requests left right now. */
  remaining: number;
  /** Whole seconds until the next request would be allowed (0 when allowed). */
  retryAfter: number;
  retryAfterMs: number;
  /** ms until the bucket is full again. */
  resetMs: number;
}

/**
 * A bucket holds up to `perMinute` requests and refills at perMinute/60 per second: a client may burst its whole
 * minute, then continues at the steady rate. Unlike a fixed window, two bursts cannot straddle a window boundary.
 */
export class RequestRateLimit {
  private readonly spec: BucketSpec;

  constructor(
    private readonly state: StatePort,
    readonly perMinute: number,
  ) {
    this.spec = { capacity: perMinute, refillPerSecond: perMinute / 60 };
  }

  async take(callerId: string): Promise<RateDecision> {
    const decision = await this.state.take(`ratelimit:requests:${callerId}`, 1, this.spec);
    const retryAfter = decision.allowed ? 0 : Math.max(1, Math.ceil(decision.retryAfterSeconds));
    return { allowed: decision.allowed, remaining: decision.remaining, retryAfter, retryAfterMs: decision.retryAfterSeconds * 1000, resetMs: decision.resetSeconds * 1000 };
  }

  /** Takes one request for this caller: sets OpenAI's x-ratelimit-* headers, throws the 429 when over. */
  async check(keyId: string | undefined, ip: string, out: HeaderTarget): Promise<void> {
    const decision = await this.take(keyId ?? `ip:${ip}`);
    writeRateLimitHeaders(out, { limit: this.perMinute, remaining: decision.remaining, resetMs: decision.resetMs }, undefined);
    if (decision.allowed) return;
    writeRetryAfterMs(out, decision.retryAfterMs);
    throw new GatewayError({
      status: 429,
      type: 'rate_limit_error',
      message: `Rate limit reached: ${this.perMinute} requests per minute for this ${keyId ? 'key' : 'client'}. Retry after ${decision.retryAfter} s.`,
      code: 'rate_limit_exceeded',
      retryAfter: decision.retryAfter,
      retrySameTarget: false,
    });
  }
}

/** undefined when RATE_LIMIT_RPM is 0 (no limit). */
export function requestRateLimit(state: StatePort, perMinute: number): RequestRateLimit | undefined {
  return perMinute > 0 ? new RequestRateLimit(state, perMinute) : undefined;
}

/** The hook for keyed routes outside the pipeline; runs after the auth plugin's hook, before the body is read. */
export const rateLimitPlugin = sharedHooks(async (scope: FastifyInstance, opts: { limit: RequestRateLimit | undefined }) => {
  const limit = opts.limit;
  if (!limit) return;
  scope.addHook('onRequest', (req: FastifyRequest, reply) => limit.check(req.gatewayKeyId, req.ip, reply));
});
