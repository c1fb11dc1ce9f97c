// The key directory's cache: a hit costs no store read, a published change drops the key (or its whole team) on
// every directory subscribed, a reconnect of the state store flushes everything, and revoked or expired keys fail.
import { describe, expect, it } from 'vitest';
import { KeyDirectory } from '../../src/keys/directory.js';
import type { KeyRow, TeamRow } from '../../src/keys/schema.js';
import type { KeyStore } from '../../src/keys/store.js';
import { hashKey } from '../../src/keys/token.js';
import { createMemoryState } from '../../src/state/memory.js';
import type { StatePort } from '../../src/state/port.js';

const KEY = 'sk-gw-directory-test-key-000000000000000000000';
const now = new Date();
const limits = { allowedModels: null, rpm: null, tpm: null, maxParallel: null, budgetUsd: null, budgetPeriod: null, softThreshold: null, metadata: null, createdAt: now, updatedAt: now };
const team: TeamRow = { id: 'team_1', name: 't', ...limits };

/** A store holding one key row that the test edits, counting reads. */
function storeWith(row: Partial<KeyRow>) {
  const key: KeyRow = { id: 'vk_1', teamId: 'team_1', name: null, keyHash: hashKey(KEY), keyPrefix: 'sk-gw-dire', expiresAt: null, revokedAt: null, ...limits, ...row };
  const store = {
    reads: 0,
    key,
    byHash(hash: string) {
      store.reads++;
      return Promise.resolve(hash === store.key.keyHash ? { key: { ...store.key }, team } : undefined);
    },
  };
  return store;
}

/** The memory state with a degraded flag the test can flip (the memory adapter itself is never degraded). */
function flippableState(): StatePort & { flip(degraded: boolean): void } {
  const state = createMemoryState();
  const listeners: Array<(d: boolean) => void> = [];
  return Object.assign(state, {
    onDegradedChange: (l: (d: boolean) => void) => (listeners.push(l), () => undefined),
    flip: (d: boolean) => listeners.forEach((l) => l(d)),
  });
}

describe('KeyDirectory', () => {
  it('reads the store once per key while cached, and again after a change is published', async () => {
    const store = storeWith({});
    const state = flippableState();
    const here = new KeyDirectory(store as unknown as KeyStore, state);
    const there = new KeyDirectory(store as unknown as KeyStore, state);
    await here.start();
    await there.start();
    expect((await there.lookup(KEY))?.keyId).toBe('vk_1');
    expect(await there.lookup(KEY)).toBeDefined();
    expect(store.reads).toBe(1);
    store.key.revokedAt = new Date();
    await here.changed('vk_1');
    await new Promise((r) => setTimeout(r, 20));
    expect(await there.lookup(KEY)).toBeUndefined();
    expect(store.reads).toBe(2);
    await here.close();
    await there.close();
  });

  it('serves a burst of lookups of one uncached key with one store read, and never caches a read older than a change', async () => {
    const store = storeWith({});
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const byHash = store.byHash.bind(store);
    store.byHash = async (hash: string) => {
      const found = byHash(hash);
      await gate;
      return found;
    };
    const directory = new KeyDirectory(store as unknown as KeyStore, flippableState());
    await directory.start();
    const burst = Array.from({ length: 50 }, () => directory.lookup(KEY));
    await new Promise((r) => setTimeout(r, 10));
    expect(store.reads).toBe(1);
    // Revoked while the read is in flight: the burst gets the old row, but nothing after it may.
    store.key.revokedAt = new Date();
    await directory.changed('vk_1');
    const after = directory.lookup(KEY);
    release();
    expect((await Promise.all(burst)).every((p) => p?.keyId === 'vk_1')).toBe(true);
    expect(await after).toBeUndefined();
    expect(await directory.lookup(KEY)).toBeUndefined();
    expect(store.reads).toBe(2);
    await directory.close();
  });

  it('drops every key of a team when the team changes, and everything when the store comes back', async () => {
    const store = storeWith({});
    const state = flippableState();
    const directory = new KeyDirectory(store as unknown as KeyStore, state);
    await directory.start();
    await directory.lookup(KEY);
    await directory.changed('team_1');
    await directory.lookup(KEY);
    expect(store.reads).toBe(2);
    state.flip(true);
    await directory.lookup(KEY);
    expect(store.reads).toBe(2);
    state.flip(false);
    await directory.lookup(KEY);
    expect(store.reads).toBe(3);
    await directory.close();
  });

  it('refuses an expired key and an unknown one', async () => {
    const directory = new KeyDirectory(storeWith({ expiresAt: new Date(Date.now() - 1) }) as unknown as KeyStore, createMemoryState());
    expect(await directory.lookup(KEY)).toBeUndefined();
    expect(await directory.lookup(`${KEY}x`)).toBeUndefined();
  });
});
