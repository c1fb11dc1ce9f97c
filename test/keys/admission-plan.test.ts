// The per-principal plan: worked out once per Principal object (the directory makes a new one on every change), and
// its time-bound keys moving on with the UTC minute (TPM) and the budget period, on an enforcer with a moved clock.
import { describe, expect, it } from 'vitest';
import { Plans } from '../../src/keys/admission-plan.js';
import { BudgetSeeder } from '../../src/keys/budget-seed.js';
import { Enforcer } from '../../src/keys/enforcer.js';
import { NO_LIMITS, type Limits } from '../../src/keys/limits.js';
import type { Principal } from '../../src/keys/principal.js';
import { createMemoryState } from '../../src/state/memory.js';

const principal = (keyLimits: Partial<Limits>, teamLimits: Partial<Limits> = {}): Principal => ({
  keyId: 'vk_plan',
  teamId: 'team_plan',
  keyLimits: { ...NO_LIMITS, ...keyLimits },
  teamLimits: { ...NO_LIMITS, ...teamLimits },
  expiresAt: null,
  revoked: false,
});

describe('Plans', () => {
  it('plans a principal once, plans a changed principal (a new object) anew, and plans nothing without limits', () => {
    const plans = new Plans(60_000, () => 0);
    const p = principal({ rpm: 5 }, { tpm: 100 });
    const plan = plans.of(p);
    expect(plan?.holds.map((h) => `${h.subject.kind}:${h.kind}:${h.limit}`)).toEqual(['key:rpm:5', 'team:tpm:100']);
    expect(plans.of(p)).toBe(plan);
    const edited = plans.of({ ...p, keyLimits: { ...p.keyLimits, rpm: 7 } });
    expect(edited).not.toBe(plan);
    expect(edited?.holds[0]?.limit).toBe(7);
    expect(plans.of(principal({}))).toBeUndefined();
  });
});

describe('Enforcer time-bound keys', () => {
  const DAY = 86_400_000;

  function enforcerAt(start: number) {
    let now = start;
    const state = createMemoryState({ now: () => now });
    const seeder = new BudgetSeeder(state, async () => 0);
    const enforcer = new Enforcer(state, seeder, { holdTtlMs: 60_000, now: () => now, onSoftThreshold: () => {}, onSettleError: (err) => { throw err; } });
    return { enforcer, set: (t: number) => void (now = t) };
  }

  it('counts TPM per UTC minute: a full minute refuses, the next one starts empty', async () => {
    const minute = 1_000 * 60_000;
    const { enforcer, set } = enforcerAt(minute + 59_000);
    const plan = enforcer.planOf(principal({ tpm: 100 }))!;
    const first = await enforcer.admit(plan, { tokens: 100, costUsd: undefined });
    expect(first.refusal).toBeUndefined();
    expect((await enforcer.admit(plan, { tokens: 1, costUsd: undefined })).refusal?.reason).toBe('tpm');
    set(minute + 60_000);
    const next = await enforcer.admit(plan, { tokens: 100, costUsd: undefined });
    expect(next.refusal).toBeUndefined();
    expect(next.tokens).toMatchObject({ limit: 100, remaining: 0, resetMs: 60_000 });
  });

  it('moves a daily budget to the new day at UTC midnight, and settles the old day on the key it reserved', async () => {
    const day = 20_000 * DAY;
    const { enforcer, set } = enforcerAt(day + DAY - 1_000);
    const plan = enforcer.planOf(principal({ budgetUsd: 1, budgetPeriod: 'day' }))!;
    const spent = await enforcer.admit(plan, { tokens: 1, costUsd: 0.6 });
    expect(spent.refusal).toBeUndefined();
    set(day + DAY + 1);
    // Settled after midnight, still on yesterday's key: today starts at zero.
    enforcer.release(spent, { tokens: 1, costUsd: 0.9 });
    expect((await enforcer.admit(plan, { tokens: 1, costUsd: 0.95 })).refusal).toBeUndefined();
    expect((await enforcer.admit(plan, { tokens: 1, costUsd: 0.1 })).refusal?.reason).toBe('budget');
  });
});
