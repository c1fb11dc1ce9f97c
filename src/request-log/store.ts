// Reads and writes of the log tables: idempotent multi-row batch inserts and the history query.
import { and, desc, eq, getTableName, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { LogDatabase } from './db.js';
import { batchJson } from './rows.js';
import { foldIntoOverview, OVERVIEW_FOLDED_COLUMNS } from './overview-fold.js';
import { FOLDED_COLUMNS, foldIntoRollups } from './spend-fold.js';
import { requestLogs, storedResponses, upstreamAttempts, type NewRequestLog, type NewUpstreamAttempt, type RequestLogRow } from './schema.js';
import type { StoredResponseEntry } from './stored-response.js';

/**
 * A request row as it waits to be written: the jsonb columns hold JSON text, serialised once (and checked for
 * secrets on that same text) by toLogEntry, then spliced into the batch as they are.
 */
export type LogRequest = Omit<NewRequestLog, 'requestBody' | 'toolCalls'> & {
  requestBodyJson?: string | null;
  toolCallsJson?: string | null;
};

export interface LogEntry {
  request: LogRequest;
  attempts: NewUpstreamAttempt[];
}

/** What the log writer queues: a request's row and attempts, or a stored response (written in the same batches). */
export type WriterEntry = LogEntry | StoredResponseEntry;

export interface HistoryItem {
  request_id: string;
  created_at: string;
  session_id: string | null;
  endpoint: string;
  model: string | null;
  provider: string | null;
  question: string | null;
  answer: string | null;
  status: number;
}

const CHAT_ENDPOINTS = ['/v1/chat/completions', '/api/ask', '/api/streaming', '/ws'];

export interface SessionTurn {
  question: string;
  answer: string;
}

/** Rows of one key (or of no key: an open gateway) in one session: another key's rows are never read or deleted. */
const ownSession = (keyId: string | undefined, sessionId: string): SQL =>
  and(eq(requestLogs.sessionId, sessionId), keyId === undefined ? isNull(requestLogs.keyId) : eq(requestLogs.keyId, keyId))!;

export class LogStore {
  constructor(readonly database: LogDatabase) {}

  get kind() {
    return this.database.kind;
  }

  /**
   * One statement whatever the batch size: each table's rows travel as a single JSON parameter that Postgres expands
   * with json_populate_recordset (building a 200-row × 28-column insert through the query builder cost more CPU than
   * the whole request it logs). A single statement is atomic by itself, so the batch and its spend rollups need no
   * BEGIN/COMMIT round trips. Stored responses ride in the same statement: one INSERT (and commit) per response
   * beside the batches took the pool's connections from the writer under load (measured at c32: 617 log rows
   * written for 12,206 requests, the writer stalled and spilling).
   */
  async insert(entries: WriterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const parts = batchJson(entries);
    const shape = batchShape(parts.responses !== undefined);
    await this.database.runPrepared(shape.name, { sql: shape.sql, params: shape.params.map((part) => parts[part]) });
  }

  /** Newest first; keyId scopes it to one key's requests (undefined: every key's). */
  async history(limit: number, sessionId?: string, keyId?: string): Promise<HistoryItem[]> {
    const conditions: SQL[] = [inArray(requestLogs.endpoint, CHAT_ENDPOINTS), isNotNull(requestLogs.question)];
    if (sessionId) conditions.push(eq(requestLogs.sessionId, sessionId));
    if (keyId !== undefined) conditions.push(eq(requestLogs.keyId, keyId));
    const rows = await this.database.db
      .select()
      .from(requestLogs)
      .where(and(...conditions))
      .orderBy(desc(requestLogs.createdAt))
      .limit(limit);
    return rows.map(toHistoryItem);
  }

  /** A session's answered turns of this key, newest first (failed and cut-off answers are no memory to keep). */
  /** The session's answered turns, newest first, with their row ids (a reader merging queued rows drops repeats). */
  async sessionTurns(keyId: string | undefined, sessionId: string, limit: number): Promise<Array<SessionTurn & { id: string }>> {
    const rows = await this.database.db
      .select({ id: requestLogs.id, question: requestLogs.question, answer: requestLogs.content })
      .from(requestLogs)
      .where(and(ownSession(keyId, sessionId), eq(requestLogs.status, 200), eq(requestLogs.partial, false), isNotNull(requestLogs.question), isNotNull(requestLogs.content)))
      .orderBy(desc(requestLogs.createdAt))
      .limit(limit);
    return rows as Array<SessionTurn & { id: string }>;
  }

  /** Forgets a session of this key: its rows go (their attempts stay, anonymous). Returns how many were deleted. */
  async deleteSession(keyId: string | undefined, sessionId: string): Promise<number> {
    const deleted = await this.database.db.delete(requestLogs).where(ownSession(keyId, sessionId)).returning({ id: requestLogs.id });
    return deleted.length;
  }

  /** The latest request logged under an x-request-id, with its attempts. */
  async byId(xRequestId: string): Promise<{ request: RequestLogRow | undefined; attempts: Array<typeof upstreamAttempts.$inferSelect> }> {
    const [request] = await this.database.db
      .select()
      .from(requestLogs)
      .where(eq(requestLogs.xRequestId, xRequestId))
      .orderBy(desc(requestLogs.createdAt))
      .limit(1);
    if (!request) return { request, attempts: [] };
    const attempts = await this.database.db
      .select()
      .from(upstreamAttempts)
      .where(eq(upstreamAttempts.requestId, request.id))
      .orderBy(upstreamAttempts.attempt);
    return { request, attempts };
  }

  /** Every request logged under an x-request-id (a client may reuse one), oldest first. */
  async allById(xRequestId: string): Promise<RequestLogRow[]> {
    return this.database.db.select().from(requestLogs).where(eq(requestLogs.xRequestId, xRequestId)).orderBy(requestLogs.createdAt);
  }

  ping(): Promise<void> {
    return this.database.ping();
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

/** Renders the batch statement to text for PGlite's prepared path. */
const dialect = new PgDialect();

const requestTable = sql.identifier(getTableName(requestLogs));
const attemptTable = sql.identifier(getTableName(upstreamAttempts));
const responseTable = sql.identifier(getTableName(storedResponses));

/**
 * The attempt rows are expanded once (CTE a) and the request rows go in through a data-modifying CTE (r); both
 * rollups fold what r returned (spend-fold.ts, overview-fold.ts, the overview's fallback count reading a), and the
 * main statement inserts the attempts. The parts see the same snapshot, which is fine here: none reads request_logs,
 * and no foreign key ties upstream_attempts to request_logs (drizzle/0000_init.sql; one would still hold, since
 * Postgres checks foreign keys at the end of the statement). ON CONFLICT DO NOTHING on both primary keys (attempt ids
 * derive from the request id) keeps a retried or replayed batch from duplicating rows, and RETURNING keeps it from
 * counting them in the rollups again.
 */
function insertBatch(requests: string, attempts: string, responses: string | undefined): SQL {
  // A data-modifying CTE runs whether or not anything reads it; absent when the batch holds no stored response.
  const stored = responses === undefined ? sql`` : sql`,
    t as (insert into ${responseTable} select * from json_populate_recordset(null::${responseTable}, ${responses}::json) on conflict do nothing)`;
  return sql`with a as (select * from json_populate_recordset(null::${attemptTable}, ${attempts}::json)),
    r as (insert into ${requestTable} select * from json_populate_recordset(null::${requestTable}, ${requests}::json) on conflict do nothing returning ${FOLDED_COLUMNS}, ${OVERVIEW_FOLDED_COLUMNS}),
    s as (${foldIntoRollups(sql`r`)}),
    o as (${foldIntoOverview(sql`r`, sql`a`, 'add')})${stored}
    insert into ${attemptTable} select * from a on conflict do nothing`;
}

type BatchPart = 'requests' | 'attempts' | 'responses';
interface BatchShape {
  name: string;
  sql: string;
  /** Which part of the batch each $n parameter is. */
  params: BatchPart[];
}

const shapes = new Map<boolean, BatchShape>();

/**
 * The batch statement's text depends only on whether it stores responses: built (and rendered by drizzle) once per
 * shape, not once per batch, which cost ~15 µs per logged request at one connection (the overview fold alone is
 * ~190 aggregates); each batch only supplies its three JSON parameters.
 */
function batchShape(withResponses: boolean): BatchShape {
  let shape = shapes.get(withResponses);
  if (shape) return shape;
  const marker = (part: BatchPart) => `\u0000${part}`;
  const query = dialect.sqlToQuery(insertBatch(marker('requests'), marker('attempts'), withResponses ? marker('responses') : undefined));
  const params = query.params.map((value) => {
    const part = (['requests', 'attempts', 'responses'] as const).find((p) => value === marker(p));
    if (!part) throw new Error(`log batch statement: unexpected parameter ${String(value)}`);
    return part;
  });
  shape = { name: withResponses ? 'llmgw_log_batch_responses' : 'llmgw_log_batch', sql: query.sql, params };
  shapes.set(withResponses, shape);
  return shape;
}

function toHistoryItem(row: RequestLogRow): HistoryItem {
  return {
    request_id: row.xRequestId ?? row.id,
    created_at: row.createdAt.toISOString(),
    session_id: row.sessionId,
    endpoint: row.endpoint,
    model: row.provider && row.model ? `${row.provider}/${row.model}` : row.requestedModel,
    provider: row.provider,
    question: row.question,
    answer: row.content,
    status: row.status,
  };
}
