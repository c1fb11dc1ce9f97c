// The governance scenario's set-up: a fresh namespace per run, and the removal of exactly that namespace from Redis.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { governedEnv, REDIS_URL, removeRedisKeys } from '../../bench/governance.js';

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
afterAll(() => redis.disconnect());

describe('governedEnv', () => {
  it('names a new prefix and keys each run, the static key accepted beside the admin key', () => {
    const a = governedEnv();
    const b = governedEnv();
    expect(a.prefix).not.toBe(b.prefix);
    expect(a.prefix).not.toMatch(/[{}]/);
    expect(a.env).toMatchObject({ REDIS_PREFIX: a.prefix, GATEWAY_ADMIN_KEY: a.adminKey, GATEWAY_API_KEYS: a.staticKey });
    expect(a.staticKey).not.toBe(a.adminKey);
  });
});

describe('removeRedisKeys', () => {
  it("deletes every key under the run's prefix and nothing else", async () => {
    const { prefix } = governedEnv();
    const other = `${governedEnv().prefix}kept`;
    await redis.set(`${prefix}{vk_1}:rpm`, '1');
    await redis.set(`${prefix}{vk_1}:tpm`, '2');
    await redis.hset(`${prefix}{team_1}:budget`, 'spent', '0.5');
    await redis.set(other, 'x');
    try {
      expect(await removeRedisKeys(prefix)).toBe(3);
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
      expect(await redis.get(other)).toBe('x');
    } finally {
      await redis.del(other);
    }
  });
});
