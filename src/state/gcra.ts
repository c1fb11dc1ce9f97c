// The token-bucket decision as GCRA (one stored number per bucket: its theoretical arrival time), in milliseconds.
// The Redis script in redis-scripts.ts computes the same thing; keep the two in step.
import type { BucketDecision, BucketSpec } from './port.js';

// Float division lands a hair off whole numbers (2.9999999996 tokens, 6000.0000001 ms); this keeps results honest.
const EPSILON = 1e-6;

export interface GcraResult {
  decision: BucketDecision;
  /** The new theoretical arrival time to store (unchanged when refused); the bucket is full again at it. */
  tat: number;
}

/**
 * `tat` is when the bucket would be full again (undefined or in the past: full now). Taking `cost` tokens moves it
 * `cost` emission intervals later; the request fits while that stays within `capacity` intervals of now.
 */
export function gcraTake(tat: number | undefined, now: number, cost: number, spec: BucketSpec): GcraResult {
  const interval = 1000 / spec.refillPerSecond;
  const tolerance = spec.capacity * interval;
  const base = tat === undefined || tat < now ? now : tat;
  const next = base + cost * interval;
  if (cost <= spec.capacity && next - now <= tolerance + EPSILON) {
    return { tat: next, decision: decisionAt(true, next - now, 0, tolerance, interval) };
  }
  const wait = cost > spec.capacity ? base - now : next - now - tolerance;
  return { tat: base, decision: decisionAt(false, base - now, wait, tolerance, interval) };
}

function decisionAt(allowed: boolean, untilFull: number, wait: number, tolerance: number, interval: number): BucketDecision {
  return {
    allowed,
    remaining: Math.max(0, Math.floor((tolerance - untilFull) / interval + EPSILON)),
    retryAfterSeconds: wholeMs(wait) / 1000,
    resetSeconds: wholeMs(untilFull) / 1000,
  };
}

function wholeMs(ms: number): number {
  return Math.max(0, Math.ceil(ms - EPSILON));
}
