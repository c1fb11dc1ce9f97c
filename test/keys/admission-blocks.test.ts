// Admission from blocks on the real Redis: two enforcers (two replicas) sharing one prefix admit no more than the
// limit between them, a block that ends frees the leases it did not use, and its reservations are settled with what
// its requests used, including requests answered after the block had ended.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { BudgetSeeder } from '../../src/keys/budget-seed.js';
import { Enforcer, type Admission } from '../../src/keys/enforcer.js';
import { NO_LIMITS, type Limits } from '../../src/keys/limits.js';
import type { Principal } from '../../src/keys/principal.js';
import type { StatePort } from '../../src/state/port.js';
import { createRedisState } from '../../src/state/redis.js';
import { SHARED_REDIS_URL, deletePrefix, quietLog, randomPrefix } from '../state/redis-helpers.js';

const prefix = randomPrefix('blocks');
const opened: StatePort[] = [];
let keySeq = 0;

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  expect(await deletePrefix(prefix)).toBeGreaterThanOrEqual(0);
});

async function replica(): Promise<{ enforcer: Enforcer; state: StatePort }> {
  const state = await createRedisState({ url: SHARED_REDIS_URL, prefix, commandTimeoutMs: 2_000, connectTimeoutMs: 2_000, failureMode: 'closed', replicas: 2, log: quietLog() });
  opened.push(state);
  const enforcer = new Enforcer(state, new BudgetSeeder(state, async () => 0), {
    holdTtlMs: 60_000,
    onSoftThreshold: () => {},
    onSettleError: (err) => {
      throw err;
    },
  });
  return { enforcer, state };
}

const principal = (keyLimits: Partial<Limits>): Principal => ({
  keyId: `vk_blocks_${keySeq++}`,
  teamId: undefined,
  keyLimits: { ...NO_LIMITS, ...keyLimits },
  teamLimits: NO_LIMITS,
  expiresAt: null,
  revoked: false,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('admission blocks on Redis', () => {
  it('two replicas admit at most the RPM between them, and the leases left are exactly those used', async () => {
    const [a, b] = [await replica(), await replica()];
    const p = principal({ rpm: 1_000, tpm: 1_000_000_000 });
    const plans = [a.enforcer.planOf(p)!, b.enforcer.planOf(p)!];
    const enforcers = [a.enforcer, b.enforcer];
    const admissions: Admission[] = [];
    for (let wave = 0; wave < 65; wave++) {
      admissions.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => enforcers[i % 2]!.admit(plans[i % 2]!, { tokens: 100, costUsd: undefined })))));
    }
    const granted = admissions.filter((x) => !x.refusal);
    const fromBlocks = granted.filter((x) => x.grant).length;
    for (const x of admissions) if (x.refusal) expect(x.refusal.reason).toBe('rpm');
    // A grant from a block reports the window as a per-request grant would: the limit, and what is left of it.
    for (const x of granted.filter((g) => g.grant)) {
      expect(x.requests).toMatchObject({ limit: 1_000 });
      expect(x.requests!.remaining).toBeGreaterThanOrEqual(0);
      expect(x.requests!.remaining).toBeLessThan(1_000);
      expect(x.tokens).toMatchObject({ limit: 1_000_000_000 });
    }
    expect(granted.length).toBeLessThanOrEqual(1_000);
    // What a block holds unused is at most 1 % of the limit per replica, and only until the block ends.
    expect(granted.length).toBeGreaterThanOrEqual(960);
    expect(fromBlocks).toBeGreaterThan(granted.length / 2);
    a.enforcer.close();
    b.enforcer.close();
    await sleep(100);
    const raw = new Redis(SHARED_REDIS_URL);
    try {
      expect(await raw.zcard(`${prefix}{key:${p.keyId}}:rpm:l`)).toBe(granted.length);
    } finally {
      raw.disconnect();
    }
  });

  it('settles a block with what its requests used, and corrects it for those answered after it ended', async () => {
    const { enforcer, state } = await replica();
    // $0.01 a request against $10: blocks of 10 requests (1 % of the budget).
    const plan = enforcer.planOf(principal({ budgetUsd: 10, budgetPeriod: 'day' }))!;
    const admitted = await Promise.all(Array.from({ length: 10 }, () => enforcer.admit(plan, { tokens: 10, costUsd: 0.01 })));
    expect(admitted.every((x) => !x.refusal && x.grant)).toBe(true);
    for (const x of admitted.slice(0, 5)) enforcer.release(x, { tokens: 10, costUsd: 0.005 });
    // The block ends by its time (200 ms) and is settled with 5 × $0.005 used and 5 × $0.01 still in flight.
    await sleep(300);
    const budgetKey = plan.holds.find((h) => h.kind === 'budget')!.bound!.key;
    const settled = () => state.settle(budgetKey, 'nothing-open', 0);
    expect(await settled()).toBeCloseTo(0.075, 9);
    for (const x of admitted.slice(5)) enforcer.release(x, { tokens: 10, costUsd: 0.002 });
    // Each of those used $0.008 less than its estimate; the correction follows within 200 ms.
    await sleep(300);
    expect(await settled()).toBeCloseTo(0.035, 9);
  });

  it('a key with a parallel limit is never admitted from a block', async () => {
    const { enforcer } = await replica();
    const plan = enforcer.planOf(principal({ rpm: 100_000, maxParallel: 50 }))!;
    const admitted = await Promise.all(Array.from({ length: 20 }, () => enforcer.admit(plan, { tokens: 1, costUsd: undefined })));
    expect(admitted.filter((x) => !x.refusal && !x.grant && x.held)).toHaveLength(20);
    for (const x of admitted) enforcer.release(x, { tokens: 1, costUsd: 0 });
  });
});
