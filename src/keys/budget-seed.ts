// Budgets start from recorded spend: the first time this replica meets a subject's budget period, the spend the
// log rows (rollups) hold for it seeds the state, through the port's atomic "seed if absent" so that replicas
// starting together count it once. After Redis comes back (it may have restarted empty) every budget is seeded again.
import { GatewayError } from '../errors.js';
import type { StatePort } from '../state/port.js';
import { budgetKey, hasBudget, type Subject } from './admission-plan.js';
import { budgetRetainMs, periodAt, type PeriodSpan } from './periods.js';

const MAX_REMEMBERED = 50_000;

/** USD recorded for a key or team since a moment (spend-rollups.ts behind it). */
export type RecordedSpend = (subject: Subject, since: Date) => Promise<number>;

export const spendUnavailable = (cause: unknown) =>
  new GatewayError({ status: 503, code: 'spend_unavailable', retryAfter: 1, message: 'Recorded spend cannot be read right now, so the budget cannot be checked; retry shortly.', cause });

export class BudgetSeeder {
  /** By budget key: seeded (true) or being seeded (its promise). */
  private readonly seeded = new Map<string, true | Promise<void>>();
  private readonly stopWatch: () => void;

  constructor(
    private readonly state: StatePort,
    private readonly recorded: RecordedSpend,
  ) {
    this.stopWatch = state.onDegradedChange((degraded) => {
      if (!degraded) this.seeded.clear();
    });
  }

  /** undefined when this budget key is seeded already (the hot path: one map lookup, no promise at all). */
  ensure(s: Subject, key: string, span: PeriodSpan, now: number): Promise<void> | undefined {
    const known = this.seeded.get(key);
    if (known === true) return undefined;
    return known ?? this.seed(s, key, new Date(span.start), budgetRetainMs(span, now));
  }

  /** ensure() for every budget of these subjects in the period `now` is in. */
  ensureAll(subjects: readonly Subject[], now: number): Promise<void> | undefined {
    let pending: Array<Promise<void>> | undefined;
    for (const s of subjects) {
      if (!hasBudget(s.limits)) continue;
      const span = periodAt(s.limits.budgetPeriod, now);
      const seeding = this.ensure(s, budgetKey(s, s.limits.budgetPeriod, span), span, now);
      if (seeding) (pending ??= []).push(seeding);
    }
    return pending && Promise.all(pending).then(() => undefined);
  }

  private seed(s: Subject, key: string, since: Date, retainMs: number | undefined): Promise<void> {
    if (this.seeded.size >= MAX_REMEMBERED) this.seeded.clear();
    const running = (async () => {
      let usd: number;
      try {
        usd = await this.recorded(s, since);
      } catch (err) {
        throw spendUnavailable(err);
      }
      await this.state.seedUsage(key, usd, retainMs);
    })().then(
      () => void this.seeded.set(key, true),
      (err: unknown) => {
        // Not remembered: the next request tries again.
        this.seeded.delete(key);
        throw err;
      },
    );
    this.seeded.set(key, running);
    return running;
  }

  close(): void {
    this.stopWatch();
  }
}
