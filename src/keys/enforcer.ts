// A virtual key's and its team's limits on the state port: RPM (GCRA bucket), TPM (a reservation per UTC minute),
// max parallel (leases) and the budget (a reservation in USD per period). Every check of both subjects is sent at
// once (one round trip; ioredis pipelines them on its connection); a refusal hands back whatever the others granted.
import { budgetExceeded, limitExceeded, type LimitReason } from '../errors-limits.js';
import { toGatewayError, type GatewayError } from '../errors.js';
import type { RateWindow } from '../pipeline/headers.js';
import type { StatePort } from '../state/port.js';
import type { BudgetSeeder } from './budget-seed.js';
import type { BudgetPeriod, Limits } from './limits.js';
import { budgetRetainMs, DAY_MS, periodAt, type PeriodSpan } from './periods.js';
import type { Principal } from './principal.js';

const MINUTE_MS = 60_000;
// A reserve of nothing would fit a budget that is exactly spent; the least amount keeps "spent" meaning refused.
const LEAST_USD = 1e-9;

export interface Demand {
  /** Input estimate plus max_tokens (or the configured default). */
  tokens: number;
  /** USD at the dearest target of the plan; undefined when no target has a known price. */
  costUsd: number | undefined;
}

export interface Subject {
  kind: 'key' | 'team';
  id: string;
  limits: Limits;
  /** The hash tag every state key of this subject shares (one Redis Cluster slot). */
  tag: string;
}

interface Held {
  key: string;
  id: string;
}

export interface HeldBudget extends Held {
  subject: Subject;
  period: BudgetPeriod;
  span: PeriodSpan;
}

export interface Admission {
  tpm: Held[];
  leases: Held[];
  budgets: HeldBudget[];
  requests: RateWindow | undefined;
  tokens: RateWindow | undefined;
  /** `retryAfterMs`: the exact wait behind a 429's whole-second Retry-After. */
  refusal: { error: GatewayError; reason: LimitReason; retryAfterMs?: number } | undefined;
}

interface Check {
  kind: 'rpm' | 'tpm' | 'parallel' | 'budget';
  window?: RateWindow;
  held?: Held | HeldBudget;
  refusal?: GatewayError;
  retryAfterMs?: number;
}

export interface EnforcerOptions {
  /** How long a lease or reservation outlives a replica that crashed before releasing it. */
  holdTtlMs: number;
  now?: () => number;
  /** Settled spend crossed soft_threshold × budget (called once per subject and period across replicas). */
  onSoftThreshold(subject: Subject, settledUsd: number, span: PeriodSpan): void;
  /** A settle or release that failed (the hold then expires by its ttl). */
  onSettleError(err: unknown): void;
}

export function subjectsOf(p: Principal): Subject[] {
  const key: Subject = { kind: 'key', id: p.keyId, limits: p.keyLimits, tag: `{key:${p.keyId}}` };
  return p.teamId === undefined ? [key] : [key, { kind: 'team', id: p.teamId, limits: p.teamLimits, tag: `{team:${p.teamId}}` }];
}

export const hasBudget = (l: Limits): l is Limits & { budgetUsd: number; budgetPeriod: BudgetPeriod } => l.budgetUsd !== null && l.budgetPeriod !== null;
export const budgetKey = (s: Subject, period: BudgetPeriod, span: PeriodSpan): string => `${s.tag}:budget:${period}:${span.start}`;

/** The tighter window: fewer left, then the smaller limit. */
function tighter(a: RateWindow | undefined, b: RateWindow | undefined): RateWindow | undefined {
  if (!a || !b) return a ?? b;
  return b.remaining < a.remaining || (b.remaining === a.remaining && b.limit < a.limit) ? b : a;
}

export class Enforcer {
  private readonly now: () => number;
  /** Soft-threshold warnings this replica has already asked about, by budget key. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly state: StatePort,
    private readonly seeder: BudgetSeeder,
    private readonly options: EnforcerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Whether any limit applies (a principal without any costs nothing more). */
  static applies(p: Principal): boolean {
    return subjectsOf(p).some(({ limits: l }) => l.rpm !== null || l.tpm !== null || l.maxParallel !== null || hasBudget(l));
  }

  async admit(principal: Principal, demand: Demand): Promise<Admission> {
    const now = this.now();
    const subjects = subjectsOf(principal);
    const seeding = this.seeder.ensureAll(subjects, now);
    if (seeding) await seeding;
    const checks: Array<Promise<Check>> = [];
    for (const s of subjects) {
      const l = s.limits;
      if (l.rpm !== null) checks.push(this.rpm(s, l.rpm));
      if (l.tpm !== null) checks.push(this.tpm(s, l.tpm, demand.tokens, now));
      if (l.maxParallel !== null) checks.push(this.parallel(s, l.maxParallel));
      if (hasBudget(l)) checks.push(this.budget(s, l.budgetUsd, l.budgetPeriod, demand.costUsd, now));
    }
    const admission: Admission = { tpm: [], leases: [], budgets: [], requests: undefined, tokens: undefined, refusal: undefined };
    let failure: GatewayError | undefined;
    for (const result of await Promise.allSettled(checks)) {
      if (result.status === 'rejected') {
        const error = toGatewayError(result.reason);
        if (error.code === 'state_unavailable') admission.refusal ??= { error, reason: 'state_unavailable' };
        else failure ??= error;
        continue;
      }
      const c = result.value;
      if (c.kind === 'rpm') admission.requests = tighter(admission.requests, c.window);
      if (c.kind === 'tpm') admission.tokens = tighter(admission.tokens, c.window);
      if (c.held) (c.kind === 'tpm' ? admission.tpm : c.kind === 'parallel' ? admission.leases : admission.budgets).push(c.held as HeldBudget);
      if (c.refusal) admission.refusal ??= { error: c.refusal, reason: c.kind, retryAfterMs: c.retryAfterMs };
    }
    if (admission.refusal || failure) this.release(admission, { tokens: 0, costUsd: 0 });
    if (failure) throw failure;
    return admission;
  }

  /** Settles every reservation with what was really used and frees the leases; never throws, never waits. */
  release(admission: Admission, used: { tokens: number; costUsd: number }): void {
    const failed = (err: unknown) => this.options.onSettleError(err);
    for (const h of admission.tpm) this.state.settle(h.key, h.id, used.tokens).catch(failed);
    for (const h of admission.leases) this.state.releaseLease(h.key, h.id).catch(failed);
    for (const b of admission.budgets) {
      this.state.settle(b.key, b.id, used.costUsd).then((settled) => this.afterSettle(b, settled), failed);
    }
    admission.tpm = admission.leases = admission.budgets = [];
  }

  /**
   * A sliding minute: one lease per admitted request, never released, expiring a minute later, so no rolling minute
   * ever admits more than `rpm` (a token bucket would admit its full burst plus the refill within the same minute).
   * A refused request takes no lease, so hammering does not lock a key out beyond the minute.
   */
  private async rpm(s: Subject, rpm: number): Promise<Check> {
    const d = await this.state.acquireLease(`${s.tag}:rpm`, { max: rpm, ttlMs: MINUTE_MS });
    // The oldest lease's expiry is not returned; the steady spacing of the limit is the honest hint.
    const spacingMs = Math.max(1000, MINUTE_MS / rpm);
    const window = { limit: rpm, remaining: Math.max(0, rpm - d.held), resetMs: d.granted ? spacingMs : MINUTE_MS };
    if (d.granted) return { kind: 'rpm', window };
    return { kind: 'rpm', window, refusal: limitExceeded('rpm', s.kind, rpm, spacingMs), retryAfterMs: spacingMs };
  }

  /** A fixed UTC minute per key (its start in the key), so settling can replace an estimate by the real count. */
  private async tpm(s: Subject, tpm: number, tokens: number, now: number): Promise<Check> {
    const start = now - (now % MINUTE_MS);
    const untilEnd = start + MINUTE_MS - now;
    const key = `${s.tag}:tpm:${start}`;
    const r = await this.state.reserve(key, { amount: tokens, limit: tpm, ttlMs: this.options.holdTtlMs, retainMs: untilEnd + MINUTE_MS });
    const window = { limit: tpm, remaining: tpm - r.used, resetMs: untilEnd };
    if (!r.granted) return { kind: 'tpm', window, refusal: limitExceeded('tpm', s.kind, tpm, untilEnd), retryAfterMs: untilEnd };
    return { kind: 'tpm', window, held: { key, id: r.id } };
  }

  private async parallel(s: Subject, max: number): Promise<Check> {
    const key = `${s.tag}:parallel`;
    const lease = await this.state.acquireLease(key, { max, ttlMs: this.options.holdTtlMs });
    // Nothing says when a request in flight ends; a second is the shortest wait Retry-After can say.
    if (!lease.granted) return { kind: 'parallel', refusal: limitExceeded('parallel', s.kind, max, 1000), retryAfterMs: 1000 };
    return { kind: 'parallel', held: { key, id: lease.id } };
  }

  private async budget(s: Subject, budgetUsd: number, period: BudgetPeriod, costUsd: number | undefined, now: number): Promise<Check> {
    const span = periodAt(period, now);
    const key = budgetKey(s, period, span);
    const amount = Math.max(costUsd ?? 0, LEAST_USD);
    const retainMs = budgetRetainMs(span, now);
    // Sums of float prices drift by ulps (49 × 0.02 > 0.98): without the slack the last affordable request is refused.
    const r = await this.state.reserve(key, { amount, limit: budgetUsd + LEAST_USD, ttlMs: this.options.holdTtlMs, retainMs });
    if (!r.granted) return { kind: 'budget', refusal: budgetExceeded(s.kind, budgetUsd, period, span.end === undefined ? undefined : span.end - now) };
    return { kind: 'budget', held: { key, id: r.id, subject: s, period, span } };
  }

  /** One warning per subject and period across replicas: a local memo, then a shared counter's first increment. */
  private afterSettle(b: HeldBudget, settled: number | undefined): void {
    const { budgetUsd, softThreshold } = b.subject.limits;
    if (settled === undefined || softThreshold === null || budgetUsd === null || settled < softThreshold * budgetUsd) return;
    if (this.warned.has(b.key)) return;
    if (this.warned.size >= 10_000) this.warned.clear();
    this.warned.add(b.key);
    const ttl = (b.span.end ?? this.now() + 366 * DAY_MS) - this.now() + DAY_MS;
    this.state.increment(`${b.key}:soft`, 1, ttl).then(
      (n) => n === 1 && this.options.onSoftThreshold(b.subject, settled, b.span),
      (err: unknown) => this.options.onSettleError(err),
    );
  }
}
