// Virtual key lookup for authentication: by hash, through a short in-process cache. Every change to a key or team
// is published on the state port, so every replica drops its cached copy at once (well within 1 s); the TTL only
// bounds what a lost message (Redis away) could leave stale, and a reconnect flushes the cache outright.
import type { StatePort, Unsubscribe } from '../state/port.js';
import { limitsOf } from './limits.js';
import type { Principal } from './principal.js';
import type { KeyStore } from './store.js';
import { hashKey } from './token.js';

export const KEYS_CHANGED_CHANNEL = 'keys:changed';
const FLUSH = '*';
const DEFAULT_TTL_MS = 10_000;
// Random keys presented by a scanner are cached too (as unknown); the cache is cleared rather than let grow.
const MAX_ENTRIES = 10_000;

interface Cached {
  principal: Principal | null;
  until: number;
}

export class KeyDirectory {
  private readonly cache = new Map<string, Cached>();
  /** Loads under way by hash: concurrent misses of one key share one store read (a burst would drain the pool). */
  private readonly loading = new Map<string, Promise<Principal | null>>();
  /** Bumped by every change: a read that began before one is not cached, nor joined by later lookups. */
  private generation = 0;
  private unsubscribe: Unsubscribe | undefined;
  private stopDegradedWatch: (() => void) | undefined;

  constructor(
    readonly store: KeyStore,
    private readonly state: StatePort,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.state.subscribe(KEYS_CHANGED_CHANNEL, (id) => this.forget(id));
    this.stopDegradedWatch = this.state.onDegradedChange((degraded) => {
      if (!degraded) this.cache.clear();
    });
  }

  /** The caller behind a presented `sk-gw-` key; undefined when unknown, revoked or expired. */
  async lookup(presented: string): Promise<Principal | undefined> {
    const hash = hashKey(presented);
    const now = Date.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.until <= now) {
      const generation = this.generation;
      let loading = this.loading.get(hash);
      if (!loading) {
        const read = this.load(hash).finally(() => this.loading.get(hash) === read && this.loading.delete(hash));
        this.loading.set(hash, (loading = read));
      }
      entry = { principal: await loading, until: now + this.ttlMs };
      if (generation === this.generation) {
        if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
        this.cache.set(hash, entry);
      }
    }
    const principal = entry.principal;
    if (!principal || principal.revoked) return undefined;
    if (principal.expiresAt && principal.expiresAt.getTime() <= now) return undefined;
    return principal;
  }

  /** After a key or team changed: this replica forgets it now, the others when the message reaches them. */
  async changed(id: string): Promise<void> {
    this.forget(id);
    await this.state.publish(KEYS_CHANGED_CHANNEL, id);
  }

  async close(): Promise<void> {
    this.stopDegradedWatch?.();
    await this.unsubscribe?.();
  }

  private forget(id: string): void {
    this.generation++;
    this.loading.clear();
    if (id === FLUSH) return this.cache.clear();
    for (const [hash, entry] of this.cache) {
      if (entry.principal && (entry.principal.keyId === id || entry.principal.teamId === id)) this.cache.delete(hash);
    }
  }

  private async load(hash: string): Promise<Principal | null> {
    const found = await this.store.byHash(hash);
    if (!found) return null;
    const { key, team } = found;
    return {
      keyId: key.id,
      teamId: team.id,
      keyLimits: limitsOf(key),
      teamLimits: limitsOf(team),
      expiresAt: key.expiresAt,
      revoked: key.revokedAt !== null,
    };
  }
}
