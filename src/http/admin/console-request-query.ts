// The request list's SQL: filters as conditions, keyset pagination on (created_at, id) newest first, the live tail
// (rows newer than a given one), and the detail with its attempts in order.
import { and, asc, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { invalidRequest } from '../../errors.js';
import type { LogDb } from '../../request-log/db.js';
import { requestLogs as r, upstreamAttempts as a } from '../../request-log/schema.js';
import type { RequestsQuery } from './console-shapes.js';

/**
 * `q` is answered by the trigram index on question (drizzle/0009, pg_trgm) when the word is rare, and by the
 * created_at index newest first, stopping at the page's LIMIT, when it is common. Without `from` the search still
 * ends this far back: on a server without pg_trgm the rare word scans, and a window bounds what it reads.
 */
export const Q_DEFAULT_WINDOW_MS = 86_400_000;

export const summaryColumns = {
  id: r.id,
  createdAt: r.createdAt,
  endpoint: r.endpoint,
  keyId: r.keyId,
  teamId: r.teamId,
  requestedModel: r.requestedModel,
  provider: r.provider,
  model: r.model,
  status: r.status,
  stream: r.stream,
  latencyMs: r.latencyMs,
  ttftMs: r.ttftMs,
  promptTokens: r.promptTokens,
  completionTokens: r.completionTokens,
  costUsd: r.costUsd,
  attempts: r.attempts,
  sessionId: r.sessionId,
  question: sql<string | null>`left(${r.question}, 200)`,
  errorCode: r.errorCode,
};

export interface Anchor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(anchor: Anchor): string {
  return Buffer.from(`${anchor.createdAt.toISOString()}|${anchor.id}`).toString('base64url');
}

export function decodeCursor(cursor: string, param = 'cursor'): Anchor {
  const text = Buffer.from(cursor, 'base64url').toString();
  const bar = text.indexOf('|');
  const createdAt = new Date(text.slice(0, bar));
  if (bar < 0 || Number.isNaN(createdAt.getTime()) || bar === text.length - 1) throw invalidRequest(`${param} is not one this API returned.`, param, 'invalid_cursor');
  return { createdAt, id: text.slice(bar + 1) };
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function statusCondition(status: string): SQL {
  if (status === 'error') return gte(r.status, 400);
  if (status.endsWith('xx')) {
    const base = Number(status[0]) * 100;
    return and(gte(r.status, base), lt(r.status, base + 100))!;
  }
  return eq(r.status, Number(status));
}

/** Every filter of the query string as SQL conditions (the cursor and newer_than excluded). */
export function filterConditions(query: Omit<RequestsQuery, 'limit'>, now = Date.now()): SQL[] {
  const conditions: SQL[] = [];
  if (query.key_id) conditions.push(eq(r.keyId, query.key_id));
  if (query.team_id) conditions.push(eq(r.teamId, query.team_id));
  if (query.model) conditions.push(eq(r.model, query.model));
  if (query.provider) conditions.push(eq(r.provider, query.provider));
  if (query.endpoint) conditions.push(eq(r.endpoint, query.endpoint));
  if (query.session_id) conditions.push(eq(r.sessionId, query.session_id));
  if (query.status) conditions.push(statusCondition(query.status));
  const from = query.from ?? (query.q ? new Date(now - Q_DEFAULT_WINDOW_MS) : undefined);
  if (from) conditions.push(gte(r.createdAt, from));
  if (query.to) conditions.push(lt(r.createdAt, query.to));
  if (query.q) conditions.push(sql`${r.question} ilike ${likePattern(query.q)}`);
  return conditions;
}

/** One page newest first: `before` continues a listing, `after` (the live tail) keeps only rows newer than it. */
export function requestPageQuery(db: LogDb, conditions: SQL[], limit: number, position: { before?: Anchor; after?: Anchor } = {}) {
  const where = [...conditions];
  if (position.before) where.push(sql`(${r.createdAt}, ${r.id}) < (${position.before.createdAt.toISOString()}::timestamptz, ${position.before.id})`);
  if (position.after) where.push(sql`(${r.createdAt}, ${r.id}) > (${position.after.createdAt.toISOString()}::timestamptz, ${position.after.id})`);
  return db
    .select(summaryColumns)
    .from(r)
    .where(and(...where))
    .orderBy(desc(r.createdAt), desc(r.id))
    .limit(limit + 1);
}

export function anchorQuery(db: LogDb, id: string) {
  return db.select({ createdAt: r.createdAt, id: r.id }).from(r).where(eq(r.id, id)).limit(1);
}

export function detailQuery(db: LogDb, id: string) {
  return db
    .select({
      ...summaryColumns,
      requestBody: r.requestBody,
      content: r.content,
      toolCalls: r.toolCalls,
      finishReason: r.finishReason,
      error: r.error,
      cachedTokens: r.cachedTokens,
      reasoningTokens: r.reasoningTokens,
      xRequestId: r.xRequestId,
    })
    .from(r)
    .where(eq(r.id, id))
    .limit(1);
}

export function timelineQuery(db: LogDb, id: string) {
  return db.select().from(a).where(eq(a.requestId, id)).orderBy(asc(a.attempt));
}
