// The memory adapter: the shared contract, plus what only it promises (sweeping expired entries, failing subscribers).
import { describe, expect, it } from 'vitest';
import { createMemoryState } from '../../src/state/memory.js';
import { stateContract, until } from './contract.js';

// Without sweeps, so every promise of the contract holds by the decision logic alone.
stateContract('memory', async () => {
  let now = 1_700_000_000_000;
  const state = createMemoryState({ now: () => now, sweepEveryMs: Number.POSITIVE_INFINITY });
  return { state, advance: (ms) => void (now += ms) };
});

describe('memory state', () => {
  it('sweeps expired counters, full buckets, dead reservations and leases, so memory follows what is live', async () => {
    let now = 0;
    const state = createMemoryState({ now: () => now, sweepEveryMs: 1_000 });
    for (let i = 0; i < 1_000; i++) {
      await state.increment(`c${i}`, 1, 500);
      await state.take(`b${i}`, 1, { capacity: 10, refillPerSecond: 10 });
      await state.reserve(`r${i}`, { amount: 1, limit: 10, ttlMs: 500, retainMs: 500 });
      await state.acquireLease(`l${i}`, { max: 1, ttlMs: 500 });
    }
    await state.addUsage('kept', 1);
    expect(state.size).toBe(4_001);
    now += 1_000;
    await state.read('anything');
    expect(state.size).toBe(1);
    expect(await state.reserve('kept', { amount: 10, limit: 10, ttlMs: 1 })).toEqual({ granted: false, used: 1 });
  });

  it('keeps delivering to the other subscribers when one throws, and logs it', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (obj: object) => void warnings.push(obj), info: () => {} };
    const state = createMemoryState({ log });
    const seen: string[] = [];
    await state.subscribe('ch', () => {
      throw new Error('subscriber bug');
    });
    await state.subscribe('ch', (m) => void seen.push(m));
    await state.publish('ch', 'hello');
    await until(() => seen.length === 1 && warnings.length === 1);
    expect(warnings[0]).toMatchObject({ channel: 'ch' });
  });
});
