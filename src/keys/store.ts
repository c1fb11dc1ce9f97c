// Reads and writes of teams and virtual keys (in the log database): create, page by id cursor, update, revoke,
// and the lookup by key hash that authentication makes on a cache miss.
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { LogDb } from '../request-log/db.js';
import type { LimitsInput } from './admin-shapes.js';
import { teams, virtualKeys, type KeyRow, type TeamRow } from './schema.js';
import { newId, newVirtualKey } from './token.js';

export interface Page<T> {
  data: T[];
  /** Pass as `after` for the next page; null on the last one. */
  next_cursor: string | null;
}

/** Only the fields the caller sent: an update leaves the others as they are, null clears one. */
function limitColumns(input: LimitsInput) {
  const columns: Partial<Omit<TeamRow, 'id' | 'name' | 'createdAt' | 'updatedAt'>> = {};
  if (input.allowed_models !== undefined) columns.allowedModels = input.allowed_models;
  if (input.rpm !== undefined) columns.rpm = input.rpm;
  if (input.tpm !== undefined) columns.tpm = input.tpm;
  if (input.max_parallel !== undefined) columns.maxParallel = input.max_parallel;
  if (input.budget_usd !== undefined) columns.budgetUsd = input.budget_usd;
  if (input.budget_period !== undefined) columns.budgetPeriod = input.budget_period;
  if (input.soft_threshold !== undefined) columns.softThreshold = input.soft_threshold;
  if (input.metadata !== undefined) columns.metadata = input.metadata;
  return columns;
}

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, next_cursor: more ? data.at(-1)!.id : null };
}

export class KeyStore {
  constructor(private readonly db: LogDb) {}

  async createTeam(input: LimitsInput & { name: string }): Promise<TeamRow> {
    const now = new Date();
    const [row] = await this.db
      .insert(teams)
      .values({ id: newId('team'), name: input.name, ...limitColumns(input), createdAt: now, updatedAt: now })
      .returning();
    return row!;
  }

  async team(id: string): Promise<TeamRow | undefined> {
    const [row] = await this.db.select().from(teams).where(eq(teams.id, id));
    return row;
  }

  async teams(after: string | undefined, limit: number): Promise<Page<TeamRow>> {
    const rows = await this.db
      .select()
      .from(teams)
      .where(after ? gt(teams.id, after) : undefined)
      .orderBy(asc(teams.id))
      .limit(limit + 1);
    return page(rows, limit);
  }

  async updateTeam(id: string, input: LimitsInput & { name?: string }): Promise<TeamRow | undefined> {
    const [row] = await this.db
      .update(teams)
      .set({ ...(input.name === undefined ? {} : { name: input.name }), ...limitColumns(input), updatedAt: new Date() })
      .where(eq(teams.id, id))
      .returning();
    return row;
  }

  /** The key itself is returned here only: it is not stored. */
  async createKey(teamId: string, input: LimitsInput & { name?: string | null; expires_at?: Date | null }): Promise<{ row: KeyRow; key: string }> {
    const { key, hash, prefix } = newVirtualKey();
    const now = new Date();
    const [row] = await this.db
      .insert(virtualKeys)
      .values({
        id: newId('vk'),
        teamId,
        name: input.name ?? null,
        keyHash: hash,
        keyPrefix: prefix,
        expiresAt: input.expires_at ?? null,
        ...limitColumns(input),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return { row: row!, key };
  }

  async key(id: string): Promise<KeyRow | undefined> {
    const [row] = await this.db.select().from(virtualKeys).where(eq(virtualKeys.id, id));
    return row;
  }

  async keys(after: string | undefined, limit: number, teamId?: string): Promise<Page<KeyRow>> {
    const conditions: SQL[] = [];
    if (after) conditions.push(gt(virtualKeys.id, after));
    if (teamId) conditions.push(eq(virtualKeys.teamId, teamId));
    const rows = await this.db
      .select()
      .from(virtualKeys)
      .where(and(...conditions))
      .orderBy(asc(virtualKeys.id))
      .limit(limit + 1);
    return page(rows, limit);
  }

  async updateKey(id: string, input: LimitsInput & { name?: string | null; expires_at?: Date | null }): Promise<KeyRow | undefined> {
    const [row] = await this.db
      .update(virtualKeys)
      .set({
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.expires_at === undefined ? {} : { expiresAt: input.expires_at }),
        ...limitColumns(input),
        updatedAt: new Date(),
      })
      .where(eq(virtualKeys.id, id))
      .returning();
    return row;
  }

  /** Idempotent: a key revoked twice keeps its first revocation time. */
  async revokeKey(id: string): Promise<KeyRow | undefined> {
    const existing = await this.key(id);
    if (!existing || existing.revokedAt) return existing;
    const now = new Date();
    const [row] = await this.db.update(virtualKeys).set({ revokedAt: now, updatedAt: now }).where(eq(virtualKeys.id, id)).returning();
    return row;
  }

  async byHash(hash: string): Promise<{ key: KeyRow; team: TeamRow } | undefined> {
    const [row] = await this.db
      .select({ key: virtualKeys, team: teams })
      .from(virtualKeys)
      .innerJoin(teams, eq(virtualKeys.teamId, teams.id))
      .where(eq(virtualKeys.keyHash, hash));
    return row;
  }
}
