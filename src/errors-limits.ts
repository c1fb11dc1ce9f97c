// The refusals of the limits and budget stages, in OpenAI's shapes (type says which limit: requests, tokens or
// insufficient_quota), and the one rule for when a renderer may add its default `Retry-After: 1`.
import { GatewayError } from './errors.js';

export type LimitReason = 'rpm' | 'tpm' | 'parallel' | 'budget' | 'state_unavailable';

const PER: Record<'rpm' | 'tpm' | 'parallel', string> = {
  rpm: 'requests per minute',
  tpm: 'tokens per minute',
  parallel: 'requests in flight',
};

/** RPM, TPM or parallel: 429 rate_limit_exceeded, waiting `retryAfterMs` (sent rounded up to whole seconds, ≥ 1). */
export function limitExceeded(reason: 'rpm' | 'tpm' | 'parallel', subject: 'key' | 'team', limit: number, retryAfterMs: number): GatewayError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new GatewayError({
    status: 429,
    type: reason === 'tpm' ? 'tokens' : 'requests',
    code: 'rate_limit_exceeded',
    message: `Rate limit reached for this ${subject}: ${limit} ${PER[reason]}. Retry after ${retryAfter} s.`,
    retryAfter,
    retrySameTarget: false,
    tryOtherTargets: false,
    countsAgainstHealth: false,
  });
}

/** Budget spent: 429 insufficient_quota; Retry-After only when the period ends (undefined for a total budget). */
export function budgetExceeded(subject: 'key' | 'team', budgetUsd: number, period: string, untilPeriodEndMs: number | undefined): GatewayError {
  return new GatewayError({
    status: 429,
    type: 'insufficient_quota',
    code: 'insufficient_quota',
    message: `This ${subject} has used its budget of ${budgetUsd} USD (${period === 'total' ? 'in total' : `per ${period}`}).`,
    retryAfter: untilPeriodEndMs === undefined ? undefined : Math.max(1, Math.ceil(untilPeriodEndMs / 1000)),
    retrySameTarget: false,
    tryOtherTargets: false,
    countsAgainstHealth: false,
  });
}

/** A 429 or 503 without its own wait gets `Retry-After: 1`, except a spent budget: waiting a second cannot mend it. */
export function defaultRetryAfter(err: GatewayError): boolean {
  return (err.status === 429 || err.status === 503) && err.code !== 'insufficient_quota';
}
