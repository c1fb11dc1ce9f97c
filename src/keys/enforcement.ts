// Builds the enforcer a replica runs for virtual keys: the state port, budgets seeded from recorded spend, and the
// soft-threshold warning (a log line and gateway_budget_soft_threshold_total).
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { LogDb } from '../request-log/db.js';
import type { StatePort } from '../state/port.js';
import { BudgetSeeder } from './budget-seed.js';
import { Enforcer } from './enforcer.js';
import { spendSince } from './spend-rollups.js';

// A hold (lease, reservation) outlives the longest a request may run by this much before a crashed replica's lapses.
const HOLD_MARGIN_MS = 60_000;

export function createEnforcer(config: Config, state: StatePort, db: LogDb, metrics: Metrics, log: Logger): { enforcer: Enforcer; close(): void } {
  const seeder = new BudgetSeeder(state, async (subject, since) => {
    const spend = await spendSince(db, subject.kind === 'key' ? { since, keyIds: [subject.id] } : { since, teamIds: [subject.id] });
    return (subject.kind === 'key' ? spend.keys : spend.teams).get(subject.id) ?? 0;
  });
  const enforcer = new Enforcer(state, seeder, {
    holdTtlMs: config.routing.timeout_ms + HOLD_MARGIN_MS,
    onSoftThreshold(subject, settledUsd, span) {
      metrics.budgetSoftThreshold.inc({ subject: subject.kind });
      log.warn(
        { subject: subject.kind, id: subject.id, spentUsd: settledUsd, budgetUsd: subject.limits.budgetUsd, softThreshold: subject.limits.softThreshold, periodStart: new Date(span.start).toISOString() },
        'budget soft threshold crossed',
      );
    },
    onSettleError: (err) => log.warn({ err }, 'settling a limit failed; the hold lapses by its ttl'),
  });
  return {
    enforcer,
    close: () => {
      enforcer.close();
      seeder.close();
    },
  };
}
