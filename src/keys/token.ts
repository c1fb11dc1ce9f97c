// Virtual key material: the key shown once (`sk-gw-` + 43 url-safe characters, 256 random bits), its SHA-256 hash
// (what is stored and looked up) and its short display prefix; and the time-ordered ids of teams and keys.
import { createHash, randomBytes } from 'node:crypto';

export const VIRTUAL_KEY_PREFIX = 'sk-gw-';

export const isVirtualKey = (key: string): boolean => key.startsWith(VIRTUAL_KEY_PREFIX);

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newVirtualKey(): { key: string; hash: string; prefix: string } {
  const key = `${VIRTUAL_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashKey(key), prefix: key.slice(0, VIRTUAL_KEY_PREFIX.length + 6) };
}

let lastMs = 0;

/**
 * `team_…` / `vk_…`: the creation time first (base36, fixed width), so ids sort by age and serve as a cursor. The
 * time never repeats within a process, so two ids made in one millisecond still sort in the order they were made.
 */
export function newId(kind: 'team' | 'vk'): string {
  lastMs = Math.max(Date.now(), lastMs + 1);
  return `${kind}_${lastMs.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}
