// The log store's tables: one row per request with its result, one row per upstream attempt.
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const requestLogs = pgTable(
  'request_logs',
  {
    /** Our own id for the row: clients may send the same x-request-id twice, and both requests must be kept. */
    id: text('id').primaryKey(),
    /** The x-request-id the response carried (the client's when it sent one). */
    xRequestId: text('x_request_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    keyId: text('key_id'),
    /** The virtual key's team (the built-in team of the static keys: null). */
    teamId: text('team_id'),
    endpoint: text('endpoint').notNull(),
    requestedModel: text('requested_model'),
    stream: boolean('stream').notNull().default(false),
    sessionId: text('session_id'),
    userId: text('user_id'),
    question: text('question'),
    requestBody: jsonb('request_body'),
    provider: text('provider'),
    model: text('model'),
    status: integer('status').notNull(),
    finishReason: text('finish_reason'),
    content: text('content'),
    toolCalls: jsonb('tool_calls'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    totalTokens: integer('total_tokens'),
    cachedTokens: integer('cached_tokens'),
    reasoningTokens: integer('reasoning_tokens'),
    latencyMs: integer('latency_ms').notNull(),
    ttftMs: integer('ttft_ms'),
    overheadMs: integer('overhead_ms'),
    attempts: integer('attempts').notNull().default(0),
    /** A stream that failed after its first byte reached the client. */
    partial: boolean('partial').notNull().default(false),
    error: text('error'),
    errorCode: text('error_code'),
    /** USD from the price table; null when the model has no known price. */
    costUsd: numeric('cost_usd', { precision: 20, scale: 11, mode: 'number' }),
  },
  // The console's queries (EXPLAIN at 2M rows in bench/console-queries.ts): newest first with the id as tie-break for
  // keyset pages, and per filter column a (column, created_at) index so a rare or absent value does not scan the log.
  (t) => [
    index('request_logs_created_id_idx').on(t.createdAt, t.id),
    index('request_logs_session_idx').on(t.sessionId, t.createdAt),
    index('request_logs_x_request_id_idx').on(t.xRequestId),
    index('request_logs_key_idx').on(t.keyId, t.createdAt),
    index('request_logs_team_idx').on(t.teamId, t.createdAt),
    index('request_logs_model_idx').on(t.model, t.createdAt),
    index('request_logs_provider_idx').on(t.provider, t.createdAt),
    index('request_logs_status_idx').on(t.status, t.createdAt),
  ],
);

export const upstreamAttempts = pgTable(
  'upstream_attempts',
  {
    /** `<request_logs.id>#<attempt number>`: replaying a spilled batch cannot duplicate rows. */
    id: text('id').primaryKey(),
    /** request_logs.id of the request this attempt belongs to. */
    requestId: text('request_id').notNull(),
    attempt: integer('attempt').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    status: integer('status'),
    latencyMs: bigint('latency_ms', { mode: 'number' }).notNull(),
    error: text('error'),
    errorCode: text('error_code'),
  },
  (t) => [index('upstream_attempts_request_idx').on(t.requestId)],
);

export type NewRequestLog = typeof requestLogs.$inferInsert;
export type RequestLogRow = typeof requestLogs.$inferSelect;
export type NewUpstreamAttempt = typeof upstreamAttempts.$inferInsert;
export * from './responses-schema.js';
export * from './spend-schema.js';
export * from './overview-schema.js';
