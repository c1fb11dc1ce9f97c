// Reads and writes of the log tables: idempotent multi-row batch inserts and the history query.
import { and, desc, eq, inArray, isNotNull, type SQL } from 'drizzle-orm';
import type { LogDatabase } from './db.js';
import { requestLogs, upstreamAttempts, type NewRequestLog, type NewUpstreamAttempt, type RequestLogRow } from './schema.js';

export interface LogEntry {
  request: NewRequestLog;
  attempts: NewUpstreamAttempt[];
}

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

const CHAT_ENDPOINTS = ['/v1/chat/completions', '/api/ask', '/api/streaming'];

export class LogStore {
  constructor(readonly database: LogDatabase) {}

  get kind() {
    return this.database.kind;
  }

  async insert(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const requests = entries.map((e) => e.request);
    const attempts = entries.flatMap((e) => e.attempts);
    await this.database.db.transaction(async (tx) => {
      await tx.insert(requestLogs).values(requests).onConflictDoNothing();
      if (attempts.length > 0) await tx.insert(upstreamAttempts).values(attempts).onConflictDoNothing();
    });
  }

  async history(limit: number, sessionId?: string): Promise<HistoryItem[]> {
    const conditions: SQL[] = [inArray(requestLogs.endpoint, CHAT_ENDPOINTS), isNotNull(requestLogs.question)];
    if (sessionId) conditions.push(eq(requestLogs.sessionId, sessionId));
    const rows = await this.database.db
      .select()
      .from(requestLogs)
      .where(and(...conditions))
      .orderBy(desc(requestLogs.createdAt))
      .limit(limit);
    return rows.map(toHistoryItem);
  }

  async byId(id: string): Promise<{ request: RequestLogRow | undefined; attempts: Array<typeof upstreamAttempts.$inferSelect> }> {
    const [request] = await this.database.db.select().from(requestLogs).where(eq(requestLogs.id, id));
    const attempts = await this.database.db
      .select()
      .from(upstreamAttempts)
      .where(eq(upstreamAttempts.requestId, id))
      .orderBy(upstreamAttempts.attempt);
    return { request, attempts };
  }

  ping(): Promise<void> {
    return this.database.ping();
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

function toHistoryItem(row: RequestLogRow): HistoryItem {
  return {
    request_id: row.id,
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
