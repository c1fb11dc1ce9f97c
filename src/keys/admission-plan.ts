// What a principal's requests hold on the state port, worked out once per principal instead of once per request: its
// subjects (the key, its team), their holds in the order a refusal is reported, and the state keys that change only
// with the UTC minute (TPM) or the budget period. Cached by Principal object: the key directory hands out a new
// object whenever the key or its team changes (and none once it is revoked), so no plan outlives an edit.
import type { RateWindow } from '../pipeline/headers.js';
import type { HoldSpec, LeaseSpec } from '../state/port.js';
import type { BudgetPeriod, Limits } from './limits.js';
import { budgetRetainMs, periodAt, type PeriodSpan } from './periods.js';
import type { Principal } from './principal.js';

export const MINUTE_MS = 60_000;

export interface Demand {
  /** Input estimate plus max_tokens (or the configured default). */
  tokens: number;
  /** USD at the dearest target of the plan; undefined when no target has a known price (or no budget applies). */
  costUsd: number | undefined;
}

// A reserve of nothing would fit a budget that is exactly spent; the least amount keeps "spent" meaning refused.
export const LEAST_USD = 1e-9;
/** What a request reserves against a budget. */
export const usdDemand = (d: Demand): number => Math.max(d.costUsd ?? 0, LEAST_USD);

export type LeaseHold = Extract<HoldSpec, { kind: 'lease' }>;

/** How long a TPM minute's or a budget period's usage is kept after a reserve on it (a total budget: for good). */
export const retainMsOf = (kind: 'tpm' | 'budget', span: PeriodSpan, now: number): number | undefined =>
  kind === 'tpm' ? span.end! - now + MINUTE_MS : budgetRetainMs(span, now);

/** The tighter window: fewer left, then the smaller limit. */
export function tighter(a: RateWindow | undefined, b: RateWindow): RateWindow {
  if (!a) return b;
  return b.remaining < a.remaining || (b.remaining === a.remaining && b.limit < a.limit) ? b : a;
}

/** The oldest lease's expiry is not returned; the steady spacing of the limit is the honest hint. */
export const rpmSpacingMs = (rpm: number) => Math.max(1000, MINUTE_MS / rpm);

export interface Subject {
  kind: 'key' | 'team';
  id: string;
  limits: Limits;
  /** The hash tag every state key of this subject shares (one Redis Cluster slot). */
  tag: string;
}

export function subjectsOf(p: Principal): Subject[] {
  const key: Subject = { kind: 'key', id: p.keyId, limits: p.keyLimits, tag: `{key:${p.keyId}}` };
  return p.teamId === undefined ? [key] : [key, { kind: 'team', id: p.teamId, limits: p.teamLimits, tag: `{team:${p.teamId}}` }];
}

export const hasBudget = (l: Limits): l is Limits & { budgetUsd: number; budgetPeriod: BudgetPeriod } => l.budgetUsd !== null && l.budgetPeriod !== null;
export const budgetKey = (s: Subject, period: BudgetPeriod, span: PeriodSpan): string => `${s.tag}:budget:${period}:${span.start}`;

/** A time-bound state key and the span it is for; replaced whole (never mutated) when the span is over. */
export interface Bound {
  key: string;
  span: PeriodSpan;
}

export interface PlannedHold {
  kind: 'rpm' | 'tpm' | 'parallel' | 'budget';
  subject: Subject;
  /** Requests a minute, tokens a minute, requests at once, or USD a period. */
  limit: number;
  /** rpm and parallel: the lease every request asks for, the same object each time (read, never written). */
  lease: LeaseHold | undefined;
  /** tpm and budget: the current minute's or period's key. */
  bound: Bound | undefined;
  period: BudgetPeriod | undefined;
}

export interface Plan {
  holds: PlannedHold[];
  /** A budget applies: the request's price must be worked out. */
  budgeted: boolean;
  /** A budget has a soft threshold: settled spend must be looked at after each answer. */
  warns: boolean;
  /** No parallel limit: requests may be admitted from a block (admission-blocks.ts). */
  blockable: boolean;
}

function boundAt(h: PlannedHold, now: number): Bound {
  if (h.kind === 'tpm') {
    const start = now - (now % MINUTE_MS);
    return { key: `${h.subject.tag}:tpm:${start}`, span: { start, end: start + MINUTE_MS } };
  }
  const span = periodAt(h.period!, now);
  return { key: budgetKey(h.subject, h.period!, span), span };
}

/** The key of the minute or period `now` is in (the same object until that span ends). */
export function currentBound(h: PlannedHold, now: number): Bound {
  const b = h.bound!;
  if (now >= b.span.start && (b.span.end === undefined || now < b.span.end)) return b;
  return (h.bound = boundAt(h, now));
}

function planOf(p: Principal, holdTtlMs: number, now: number): Plan | undefined {
  const holds: PlannedHold[] = [];
  const add = (kind: PlannedHold['kind'], subject: Subject, limit: number, lease?: LeaseSpec & { key: string }, period?: BudgetPeriod) => {
    const h: PlannedHold = { kind, subject, limit, lease: lease && Object.freeze({ kind: 'lease' as const, ...lease }), bound: undefined, period };
    if (!lease) h.bound = boundAt(h, now);
    holds.push(h);
  };
  let warns = false;
  for (const s of subjectsOf(p)) {
    const l = s.limits;
    if (l.rpm !== null) add('rpm', s, l.rpm, { key: `${s.tag}:rpm`, max: l.rpm, ttlMs: MINUTE_MS });
    if (l.tpm !== null) add('tpm', s, l.tpm);
    if (l.maxParallel !== null) add('parallel', s, l.maxParallel, { key: `${s.tag}:parallel`, max: l.maxParallel, ttlMs: holdTtlMs });
    if (hasBudget(l)) {
      add('budget', s, l.budgetUsd, undefined, l.budgetPeriod);
      warns ||= l.softThreshold !== null;
    }
  }
  if (holds.length === 0) return undefined;
  return { holds, budgeted: holds.some((h) => h.kind === 'budget'), warns, blockable: !holds.some((h) => h.kind === 'parallel') };
}

export class Plans {
  /** null: nothing limits this principal. Weak: a principal the directory dropped takes its plan with it. */
  private readonly byPrincipal = new WeakMap<Principal, Plan | null>();

  constructor(
    private readonly holdTtlMs: number,
    private readonly now: () => number,
  ) {}

  /** undefined when no limit applies (a principal without any costs nothing more). */
  of(p: Principal): Plan | undefined {
    let plan = this.byPrincipal.get(p);
    if (plan === undefined) this.byPrincipal.set(p, (plan = planOf(p, this.holdTtlMs, this.now()) ?? null));
    return plan ?? undefined;
  }
}
