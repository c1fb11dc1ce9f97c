// Blocks: on Redis, a busy virtual key's requests are admitted locally from a block of its limits that one admission
// took (n RPM leases, n requests' worth of tokens and USD reserved) instead of one round trip to admit and one to
// settle each request; at 32 connections those two scripts cost more gateway and Redis CPU than the rest of the
// request (bench/pair-ab.ts --case virtual-key). Nothing is granted that Redis did not reserve, so every limit holds
// across replicas as on the per-request path. What a block costs is capacity held and unused for at most
// BLOCK_LIFE_MS, at most BLOCK_SHARE of each limit per replica. Where a block would be smaller than MIN_SLOTS (a small
// limit, a limit nearly used up) or does not fit, the request is decided by Redis alone, as before.
import { toGatewayError } from '../errors.js';
import type { RateWindow } from '../pipeline/headers.js';
import type { HoldSpec, StatePort } from '../state/port.js';
import { currentBound, retainMsOf, rpmSpacingMs, tighter, usdDemand, type Bound, type Demand, type Plan } from './admission-plan.js';
import type { PeriodSpan } from './periods.js';
import type { Admission, HeldEnd } from './enforcer.js';

export const BLOCK_LIFE_MS = 200;
const BLOCK_SHARE = 0.01;
const MIN_SLOTS = 4;
const MAX_SLOTS = 256;
const FIRST_SLOTS = 16;

interface Block {
  id: string;
  plan: Plan;
  holds: HoldSpec[];
  bounds: Array<Bound | undefined>;
  /** Per plan hold, its count after the block was taken (for the x-ratelimit headers). */
  counts: number[];
  endsAt: number;
  slots: number;
  slotsUsed: number;
  /** Reserved for the block, and used of it: settled usage of answered requests, the estimate of those in flight. */
  tokens: number;
  tokensUsed: number;
  usd: number;
  usdUsed: number;
  retired: boolean;
  timer: NodeJS.Timeout | undefined;
}

interface Correction {
  delta: number;
  kind: 'tpm' | 'budget';
  span: PeriodSpan;
}

export interface BlockGrant {
  block: Block;
  tokens: number;
  usd: number;
}

interface PlanBlocks {
  block: Block | undefined;
  taking: Promise<void> | undefined;
  nextSlots: number;
  /** Until then blocks do not fit (a block was refused): requests go to Redis one by one. */
  tightUntil: number;
}

export interface BlockHooks {
  holdsOf(plan: Plan, demand: Demand, now: number, n: number): { holds: HoldSpec[]; bounds: Array<Bound | undefined>; seeding?: Promise<unknown> };
  finish(held: NonNullable<Admission['held']>): void;
  onError(err: unknown): void;
}

export class AdmissionBlocks {
  private readonly byPlan = new WeakMap<Plan, PlanBlocks>();
  private readonly live = new Set<Block>();
  /** What requests admitted from an ended block used beyond (or short of) their estimate, by state key. */
  private readonly corrections = new Map<string, Correction>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: StatePort,
    private readonly now: () => number,
    private readonly hooks: BlockHooks,
  ) {}

  /**
   * Admitted from a block, or undefined: decide this request on its own. Synchronous while the live block has room
   * (the usual case: no promise per request); a promise when a block must be opened first.
   */
  admit(plan: Plan, demand: Demand): Admission | undefined | Promise<Admission | undefined> {
    let pb = this.byPlan.get(plan);
    if (!pb) this.byPlan.set(plan, (pb = { block: undefined, taking: undefined, nextSlots: FIRST_SLOTS, tightUntil: 0 }));
    // Away from Redis, decisions are local or refused anyway: a block would only add a failing call.
    if (this.state.degraded) return undefined;
    const usd = plan.budgeted ? usdDemand(demand) : 0;
    const now = this.now();
    if (now < pb.tightUntil) return undefined;
    const granted = this.fromLive(pb, demand.tokens, usd, now);
    return granted ?? this.opened(pb, plan, demand, usd);
  }

  /** From the live block when it has room (a block past its time or out of room is retired). */
  private fromLive(pb: PlanBlocks, tokens: number, usd: number, now: number): Admission | undefined {
    const b = pb.block;
    if (!b) return undefined;
    const grant = now < b.endsAt && !moved(b, now) ? take(b, tokens, usd) : undefined;
    if (grant) return admitted(grant, now);
    this.retire(pb, b);
    return undefined;
  }

  /** Opens a block (or waits for the one being opened) and admits from it; a few tries, then undefined. */
  private async opened(pb: PlanBlocks, plan: Plan, demand: Demand, usd: number): Promise<Admission | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!pb.taking) {
        const n = slotsFor(plan, pb.nextSlots, demand.tokens, usd);
        if (n < MIN_SLOTS) return undefined;
        pb.taking = this.open(pb, plan, demand, usd, n).finally(() => (pb.taking = undefined));
      }
      await pb.taking;
      const now = this.now();
      if (!pb.block || now < pb.tightUntil) return undefined;
      const granted = this.fromLive(pb, demand.tokens, usd, now);
      if (granted) return granted;
    }
    return undefined;
  }

  private async open(pb: PlanBlocks, plan: Plan, demand: Demand, usd: number, n: number): Promise<void> {
    const now = this.now();
    try {
      const { holds, bounds, seeding } = this.hooks.holdsOf(plan, demand, now, n);
      if (seeding) await seeding;
      const result = await this.state.admit(holds);
      if (!result.granted) {
        pb.tightUntil = this.now() + BLOCK_LIFE_MS;
        pb.nextSlots = Math.max(MIN_SLOTS, Math.floor(n / 2));
        return;
      }
      let endsAt = now + BLOCK_LIFE_MS;
      for (const bound of bounds) if (bound?.span.end !== undefined) endsAt = Math.min(endsAt, bound.span.end);
      const has = (kind: string) => plan.holds.some((h) => h.kind === kind);
      const block: Block = {
        id: result.id, plan, holds, bounds, counts: result.counts, endsAt, slots: n, slotsUsed: 0,
        tokens: has('tpm') ? n * demand.tokens : Infinity, tokensUsed: 0,
        usd: has('budget') ? n * usd : Infinity, usdUsed: 0, retired: false, timer: undefined,
      };
      block.timer = setTimeout(() => this.retire(pb, block), Math.max(1, endsAt - this.now()));
      block.timer.unref();
      this.live.add(block);
      pb.block = block;
    } catch (err) {
      // Redis away or slow: the per-request path decides (and answers state_unavailable the usual way).
      const code = toGatewayError(err).code;
      if (code !== 'state_unavailable' && code !== 'spend_unavailable') this.hooks.onError(err);
    }
  }

  /** Frees the block's unused leases and settles its reservations with what its requests used (or still hold). */
  private retire(pb: PlanBlocks, b: Block): void {
    if (b.retired) return;
    b.retired = true;
    clearTimeout(b.timer);
    this.live.delete(b);
    if (pb.block === b) pb.block = undefined;
    const exhausted = this.now() < b.endsAt;
    pb.nextSlots = Math.min(MAX_SLOTS, Math.max(MIN_SLOTS, exhausted ? b.slots * 2 : Math.ceil(b.slotsUsed * 1.5)));
    const ends: HeldEnd[] = [];
    for (let i = 0; i < b.holds.length; i++) {
      const hold = b.plan.holds[i]!;
      const key = b.holds[i]!.key;
      const span = b.bounds[i]?.span;
      if (hold.kind === 'rpm') {
        ends.push({ kind: 'lease', key, actual: 0, count: b.slots, keep: b.slotsUsed, measure: 'none', hold, span });
        continue;
      }
      // An earlier block's correction on the same key rides along instead of costing a call of its own.
      const correction = this.corrections.get(key)?.delta ?? 0;
      this.corrections.delete(key);
      if (hold.kind === 'tpm') ends.push({ kind: 'settle', key, actual: b.tokensUsed + correction, measure: 'tokens', hold, span });
      else ends.push({ kind: 'settle', key, actual: b.usdUsed + correction, measure: 'usd', hold, span });
    }
    this.hooks.finish({ id: b.id, ends, warns: b.plan.warns });
  }

  release(grant: BlockGrant, tokens: number, usd: number): void {
    const b = grant.block;
    const dTokens = tokens - grant.tokens;
    const dUsd = usd - grant.usd;
    if (!b.retired) {
      b.tokensUsed += dTokens;
      b.usdUsed += dUsd;
      return;
    }
    // The block was settled with this request's estimate: the difference goes to Redis on its own, batched.
    for (let i = 0; i < b.holds.length; i++) {
      const kind = b.plan.holds[i]!.kind;
      if (kind !== 'tpm' && kind !== 'budget') continue;
      const delta = kind === 'tpm' ? dTokens : dUsd;
      if (delta === 0) continue;
      const key = b.holds[i]!.key;
      const c = this.corrections.get(key);
      if (c) c.delta += delta;
      else this.corrections.set(key, { delta, kind, span: b.bounds[i]!.span });
    }
    if (this.corrections.size > 0 && !this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), BLOCK_LIFE_MS);
      this.flushTimer.unref();
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    const now = this.now();
    for (const [key, c] of this.corrections) {
      // A minute that is over decides nothing any more; a budget keeps its period's retention.
      if (c.kind === 'tpm' && c.span.end! <= now) continue;
      this.state.addUsage(key, c.delta, retainMsOf(c.kind, c.span, now)).catch(this.hooks.onError);
    }
    this.corrections.clear();
  }

  close(): void {
    for (const b of [...this.live]) {
      const pb = this.byPlan.get(b.plan);
      if (pb) this.retire(pb, b);
    }
    clearTimeout(this.flushTimer);
    this.flush();
  }
}

/** A block for `wanted` requests, cut to BLOCK_SHARE of each limit at this request's demand. */
function slotsFor(plan: Plan, wanted: number, tokens: number, usd: number): number {
  let n = Math.min(wanted, MAX_SLOTS);
  for (const h of plan.holds) {
    const per = h.kind === 'rpm' ? 1 : h.kind === 'tpm' ? tokens : h.kind === 'budget' ? usd : Infinity;
    if (per > 0) n = Math.min(n, Math.floor((h.limit * BLOCK_SHARE) / per));
  }
  return n;
}

/** The minute (TPM) or period (budget) of one of the block's reservations is over. */
function moved(b: Block, now: number): boolean {
  for (let i = 0; i < b.bounds.length; i++) {
    const bound = b.bounds[i];
    if (bound && currentBound(b.plan.holds[i]!, now) !== bound) return true;
  }
  return false;
}

function take(b: Block, tokens: number, usd: number): BlockGrant | undefined {
  // The slack: n × price and the sum of n prices differ by ulps.
  if (b.slotsUsed >= b.slots || b.tokensUsed + tokens > b.tokens || b.usdUsed + usd > b.usd * (1 + 1e-9)) return undefined;
  b.slotsUsed++;
  b.tokensUsed += tokens;
  b.usdUsed += usd;
  return { block: b, tokens, usd };
}

/** The admission of a request granted from a block, its rate windows as the per-request path would report them. */
function admitted(grant: BlockGrant, now: number): Admission {
  const b = grant.block;
  let requests: RateWindow | undefined;
  let tokens: RateWindow | undefined;
  for (let i = 0; i < b.plan.holds.length; i++) {
    const h = b.plan.holds[i]!;
    const count = b.counts[i]!;
    if (h.kind === 'rpm') requests = tighter(requests, { limit: h.limit, remaining: Math.max(0, h.limit - count + b.slots - b.slotsUsed), resetMs: rpmSpacingMs(h.limit) });
    else if (h.kind === 'tpm') tokens = tighter(tokens, { limit: h.limit, remaining: h.limit - count + b.tokens - b.tokensUsed, resetMs: b.bounds[i]!.span.end! - now });
  }
  return { held: undefined, grant, requests, tokens, refusal: undefined };
}
