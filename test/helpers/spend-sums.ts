// Spend as the tests check it: the request_logs rows summed per (UTC day, key, team, provider, model) in JS, next to
// what spend_daily holds, and the assertion that the two agree (cost within 1e-9 USD, counts and tokens exactly).
import { expect } from 'vitest';
import type { LogDb } from '../../src/request-log/db.js';
import { requestLogs, spendDaily } from '../../src/request-log/schema.js';

export interface DaySums {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costUsd: number;
}

const zero = (): DaySums => ({ requests: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, costUsd: 0 });

/** The rollup's primary key as one string, '' for a missing dimension. */
export const rollupKey = (day: string, keyId: string | null, teamId: string | null, provider: string | null, model: string | null) =>
  [day, keyId ?? '', teamId ?? '', provider ?? '', model ?? ''].join('|');

export async function rowSums(db: LogDb): Promise<Map<string, DaySums>> {
  const sums = new Map<string, DaySums>();
  for (const row of await db.select().from(requestLogs)) {
    const key = rollupKey(row.createdAt.toISOString().slice(0, 10), row.keyId, row.teamId, row.provider, row.model);
    const s = sums.get(key) ?? zero();
    s.requests++;
    s.promptTokens += row.promptTokens ?? 0;
    s.completionTokens += row.completionTokens ?? 0;
    s.cachedTokens += row.cachedTokens ?? 0;
    s.reasoningTokens += row.reasoningTokens ?? 0;
    s.costUsd += row.costUsd ?? 0;
    sums.set(key, s);
  }
  return sums;
}

export async function rollupSums(db: LogDb): Promise<Map<string, DaySums>> {
  const sums = new Map<string, DaySums>();
  for (const r of await db.select().from(spendDaily)) {
    const { requests, promptTokens, completionTokens, cachedTokens, reasoningTokens, costUsd } = r;
    sums.set(rollupKey(r.day, r.keyId, r.teamId, r.provider, r.model), { requests, promptTokens, completionTokens, cachedTokens, reasoningTokens, costUsd: Number(costUsd) });
  }
  return sums;
}

/** Equal keys, and per key equal counts and costs within 1e-9 USD (any rollup's sums with a costUsd). */
export function expectSameSums<T extends { costUsd: number }>(got: Map<string, T>, want: Map<string, T>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [key, w] of want) {
    const { costUsd, ...counts } = got.get(key)!;
    const { costUsd: wantCost, ...wantCounts } = w;
    expect(counts, key).toEqual(wantCounts);
    expect(Math.abs(costUsd - wantCost), `${key} cost ${costUsd} vs ${wantCost}`).toBeLessThan(1e-9);
  }
}

/** Every rollup row equals the sums over the log rows, and there is at least one (an empty table proves nothing). */
export async function expectRollupsMatchRows(db: LogDb): Promise<Map<string, DaySums>> {
  const want = await rowSums(db);
  expect(want.size).toBeGreaterThan(0);
  expectSameSums(await rollupSums(db), want);
  return want;
}
