// Budget periods on UTC boundaries: the day, the ISO week (from Monday), the calendar month, or all time.
import type { BudgetPeriod } from './limits.js';

export interface PeriodSpan {
  /** ms since the epoch; 0 for `total`. */
  start: number;
  /** ms since the epoch; undefined for `total` (it never ends). */
  end: number | undefined;
}

export const DAY_MS = 86_400_000;

/**
 * How long a budget's counters outlive its period: a day past its end (clocks of replicas differ), never for `total`.
 * The seed and the reservation must agree, or the seeded spend would lapse before the spend reserved on top of it.
 */
export function budgetRetainMs(span: PeriodSpan, now: number): number | undefined {
  return span.end === undefined ? undefined : span.end - now + DAY_MS;
}

export function periodAt(period: BudgetPeriod, now: number): PeriodSpan {
  const d = new Date(now);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (period) {
    case 'day':
      return { start: day, end: day + DAY_MS };
    case 'week': {
      // getUTCDay: Sunday 0 … Saturday 6; the ISO week starts on Monday.
      const start = day - ((d.getUTCDay() + 6) % 7) * DAY_MS;
      return { start, end: start + 7 * DAY_MS };
    }
    case 'month':
      return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    case 'total':
      return { start: 0, end: undefined };
  }
}
