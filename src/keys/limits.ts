// The limits and budget a team and a key both carry, as the admin API accepts them and as the stages read them.
import { z } from 'zod';

export const BUDGET_PERIODS = ['day', 'week', 'month', 'total'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

// The columns are 32-bit integers: a larger limit would fail in the database as a 500 instead of a 400 here.
const positiveInt = z.number().int().positive().max(2_147_483_647).nullable().optional();

/** One pattern: `*`, `provider/*`, or an exact model name or alias (at most one `*`, at the end). */
const modelPattern = z.string().trim().min(1).max(200).regex(/^[^*\s]*\*?$/, 'a pattern is a model name, `provider/*` or `*`');

export const limitsInput = {
  allowed_models: z.array(modelPattern).max(200).nullable().optional(),
  rpm: positiveInt,
  tpm: positiveInt,
  max_parallel: positiveInt,
  budget_usd: z.number().finite().nonnegative().nullable().optional(),
  budget_period: z.enum(BUDGET_PERIODS).nullable().optional(),
  soft_threshold: z.number().gt(0).max(1).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
};

/** What the limits and budget stages read: every field present, null for "no limit". */
export interface Limits {
  allowedModels: readonly string[] | null;
  rpm: number | null;
  tpm: number | null;
  maxParallel: number | null;
  budgetUsd: number | null;
  budgetPeriod: BudgetPeriod | null;
  softThreshold: number | null;
}

export const NO_LIMITS: Limits = Object.freeze({
  allowedModels: null,
  rpm: null,
  tpm: null,
  maxParallel: null,
  budgetUsd: null,
  budgetPeriod: null,
  softThreshold: null,
});

type LimitRow = Omit<Limits, 'budgetPeriod'> & { budgetPeriod: string | null };

export function limitsOf(row: LimitRow): Limits {
  return {
    allowedModels: row.allowedModels,
    rpm: row.rpm,
    tpm: row.tpm,
    maxParallel: row.maxParallel,
    budgetUsd: row.budgetUsd,
    budgetPeriod: (BUDGET_PERIODS as readonly string[]).includes(row.budgetPeriod ?? '') ? (row.budgetPeriod as BudgetPeriod) : null,
    softThreshold: row.softThreshold,
  };
}

/** A model is allowed when no list is set, or when one pattern matches the name the client sent. */
export function modelAllowed(patterns: readonly string[] | null, model: string): boolean {
  if (patterns === null) return true;
  for (const p of patterns) {
    if (p.endsWith('*') ? model.startsWith(p.slice(0, -1)) : p === model) return true;
  }
  return false;
}
