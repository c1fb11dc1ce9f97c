// A virtual key's and its team's limits on the state port: RPM (a sliding minute of leases), TPM (a reservation per
// UTC minute), max parallel (leases) and the budget (a reservation in USD per period). Every hold of both subjects
// is one atomic admission (one round trip on Redis: all taken or none), and their end after the answer one more.
import { budgetExceeded, limitExceeded, type LimitReason } from '../errors-limits.js';
import { toGatewayError, type GatewayError } from '../errors.js';
import type { RateWindow } from '../pipeline/headers.js';
import type { AdmitResult, HoldEnd, HoldSpec, StatePort } from '../state/port.js';
import { AdmissionBlocks, BLOCK_LIFE_MS, type BlockGrant } from './admission-blocks.js';
import { currentBound, LEAST_USD, MINUTE_MS, Plans, retainMsOf, rpmSpacingMs, tighter, usdDemand, type Bound, type Demand, type Plan, type PlannedHold, type Subject } from './admission-plan.js';
import type { BudgetSeeder } from './budget-seed.js';
import { budgetRetainMs, DAY_MS, type PeriodSpan } from './periods.js';
import type { Principal } from './principal.js';

export { budgetKey, hasBudget, subjectsOf, type Demand, type Plan, type Subject } from './admission-plan.js';


/** A hold to end after the answer, with what its settle records and, for a budget, what the soft threshold reads. */
export interface HeldEnd extends HoldEnd {
  measure: 'tokens' | 'usd' | 'none';
  hold: PlannedHold;
  span: PeriodSpan | undefined;
}

export interface Admission {
  /** What the admission holds under its id; undefined once released (or when refused: nothing was taken). */
  held: { id: string; ends: HeldEnd[]; warns: boolean } | undefined;
  /** Admitted from a block instead (nothing of its own held on the state port); undefined once released. */
  grant?: BlockGrant;
  requests: RateWindow | undefined;
  tokens: RateWindow | undefined;
  /** `retryAfterMs`: the exact wait behind a 429's whole-second Retry-After. */
  refusal: { error: GatewayError; reason: LimitReason; retryAfterMs?: number } | undefined;
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

function refusalOf(h: PlannedHold, bound: Bound | undefined, now: number): NonNullable<Admission['refusal']> {
  const kind = h.subject.kind;
  switch (h.kind) {
    case 'rpm': {
      const spacingMs = rpmSpacingMs(h.limit);
      return { error: limitExceeded('rpm', kind, h.limit, spacingMs), reason: 'rpm', retryAfterMs: spacingMs };
    }
    case 'tpm': {
      const untilEnd = bound!.span.end! - now;
      return { error: limitExceeded('tpm', kind, h.limit, untilEnd), reason: 'tpm', retryAfterMs: untilEnd };
    }
    case 'parallel':
      // Nothing says when a request in flight ends; a second is the shortest wait Retry-After can say.
      return { error: limitExceeded('parallel', kind, h.limit, 1000), reason: 'parallel', retryAfterMs: 1000 };
    case 'budget': {
      const end = bound!.span.end;
      return { error: budgetExceeded(kind, h.limit, h.period!, end === undefined ? undefined : end - now), reason: 'budget' };
    }
  }
}

export class Enforcer {
  private readonly now: () => number;
  private readonly plans: Plans;
  /** Soft-threshold warnings this replica has already asked about, by budget key. */
  private readonly warned = new Set<string>();
  private readonly settleFailed = (err: unknown) => this.options.onSettleError(err);
  private readonly blocks: AdmissionBlocks | undefined;

  constructor(
    private readonly state: StatePort,
    private readonly seeder: BudgetSeeder,
    private readonly options: EnforcerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.plans = new Plans(options.holdTtlMs, this.now);
    // In memory a decision costs no round trip: blocks would only hold capacity back.
    if (state.backend === 'redis') {
      this.blocks = new AdmissionBlocks(state, this.now, {
        holdsOf: (plan, demand, now, n) => this.holdsOf(plan, demand, now, n),
        finish: (held) => this.finish(held),
        onError: this.settleFailed,
      });
    }
  }

  /** The holds this principal's requests take; undefined when no limit applies. */
  planOf(principal: Principal): Plan | undefined {
    return this.plans.of(principal);
  }

  async admit(plan: Plan, demand: Demand): Promise<Admission> {
    if (this.blocks && plan.blockable) {
      const local = this.blocks.admit(plan, demand);
      const admitted = local instanceof Promise ? await local : local;
      if (admitted) return admitted;
    }
    const now = this.now();
    const { holds, bounds, seeding } = this.holdsOf(plan, demand, now, 1);
    if (seeding) await seeding;
    let result: AdmitResult;
    try {
      result = await this.state.admit(holds);
    } catch (err) {
      const error = toGatewayError(err);
      if (error.code !== 'state_unavailable') throw error;
      return { held: undefined, requests: undefined, tokens: undefined, refusal: { error, reason: 'state_unavailable' } };
    }
    return this.decided(plan, holds, bounds, result, now);
  }

  /**
   * The holds of `n` requests of this demand (n > 1: a block; its RPM leases outlive the block's life, so a lease
   * used at the end of it still counts for a whole minute); `seeding`: what to wait for before taking them (the
   * budgets they reserve against being seeded), absent when nothing is (the usual case: no promise to wait on).
   */
  holdsOf(plan: Plan, demand: Demand, now: number, n: number): { holds: HoldSpec[]; bounds: Array<Bound | undefined>; seeding?: Promise<unknown> } {
    const count = plan.holds.length;
    const holds = new Array<HoldSpec>(count);
    const bounds = new Array<Bound | undefined>(count);
    const ttlMs = this.options.holdTtlMs;
    let seeding: Array<Promise<void>> | undefined;
    for (let i = 0; i < count; i++) {
      const h = plan.holds[i]!;
      if (h.lease) {
        holds[i] = n === 1 ? h.lease : { ...h.lease, count: n, ttlMs: h.lease.ttlMs + BLOCK_LIFE_MS };
        continue;
      }
      const b = (bounds[i] = currentBound(h, now));
      if (h.kind === 'tpm') {
        holds[i] = { kind: 'reserve', key: b.key, amount: n * demand.tokens, limit: h.limit, ttlMs, retainMs: retainMsOf('tpm', b.span, now) };
        continue;
      }
      const seed = this.seeder.ensure(h.subject, b.key, b.span, now);
      if (seed) (seeding ??= []).push(seed);
      // Sums of float prices drift by ulps (49 × 0.02 > 0.98): without the slack the last affordable request is refused.
      holds[i] = { kind: 'reserve', key: b.key, amount: n * usdDemand(demand), limit: h.limit + LEAST_USD, ttlMs, retainMs: retainMsOf('budget', b.span, now) };
    }
    return seeding ? { holds, bounds, seeding: Promise.all(seeding) } : { holds, bounds };
  }

  private decided(plan: Plan, holds: HoldSpec[], bounds: Array<Bound | undefined>, result: AdmitResult, now: number): Admission {
    const admission: Admission = { held: undefined, requests: undefined, tokens: undefined, refusal: undefined };
    const ends: HeldEnd[] = [];
    for (let i = 0; i < plan.holds.length; i++) {
      const h = plan.holds[i]!;
      const count = result.counts[i]!;
      if (h.kind === 'rpm') {
        const fits = result.granted || count < h.limit;
        admission.requests = tighter(admission.requests, { limit: h.limit, remaining: Math.max(0, h.limit - count), resetMs: fits ? rpmSpacingMs(h.limit) : MINUTE_MS });
        continue;
      }
      if (h.kind === 'tpm') admission.tokens = tighter(admission.tokens, { limit: h.limit, remaining: h.limit - count, resetMs: bounds[i]!.span.end! - now });
      if (!result.granted) continue;
      const measure = h.kind === 'tpm' ? 'tokens' : h.kind === 'budget' ? 'usd' : 'none';
      ends.push({ kind: h.kind === 'parallel' ? 'lease' : 'settle', key: holds[i]!.key, actual: 0, measure, hold: h, span: bounds[i]?.span });
    }
    if (result.granted) admission.held = { id: result.id, ends, warns: plan.warns };
    else admission.refusal = refusalOf(plan.holds[result.refused]!, bounds[result.refused], now);
    return admission;
  }

  /** Settles every reservation with what was really used and frees the leases; never throws, never waits. */
  release(admission: Admission, used: { tokens: number; costUsd: number }): void {
    const grant = admission.grant;
    if (grant) {
      admission.grant = undefined;
      return this.blocks?.release(grant, used.tokens, used.costUsd);
    }
    const held = admission.held;
    admission.held = undefined;
    if (!held || held.ends.length === 0) return;
    for (const e of held.ends) e.actual = e.measure === 'tokens' ? used.tokens : e.measure === 'usd' ? used.costUsd : 0;
    this.finish(held);
  }

  /** Ends an admission's holds (their `actual` filled in) and reads the soft thresholds the settles crossed. */
  private finish(held: NonNullable<Admission['held']>): void {
    const ends = held.ends;
    const ending = this.state.endHolds(held.id, ends);
    if (!held.warns) return void ending.catch(this.settleFailed);
    ending.then((settled) => {
      for (let i = 0; i < ends.length; i++) if (ends[i]!.measure === 'usd') this.afterSettle(ends[i]!, settled[i]);
    }, this.settleFailed);
  }

  /** Ends the blocks this replica holds (a replica that stops frees what it reserved instead of letting it lapse). */
  close(): void {
    this.blocks?.close();
  }

  /** One warning per subject and period across replicas: a local memo, then a shared counter's first increment. */
  private afterSettle(b: HeldEnd, settled: number | undefined): void {
    const subject = b.hold.subject;
    const { budgetUsd, softThreshold } = subject.limits;
    if (settled === undefined || softThreshold === null || budgetUsd === null || settled < softThreshold * budgetUsd) return;
    if (this.warned.has(b.key)) return;
    if (this.warned.size >= 10_000) this.warned.clear();
    this.warned.add(b.key);
    const span = b.span!;
    const ttl = (span.end ?? this.now() + 366 * DAY_MS) - this.now() + DAY_MS;
    this.state.increment(`${b.key}:soft`, 1, ttl).then(
      (n) => n === 1 && this.options.onSoftThreshold(subject, settled, span),
      this.settleFailed,
    );
  }
}
