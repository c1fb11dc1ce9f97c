// A batch of log entries as the JSON arrays json_populate_recordset expands: each row built straight from its entry
// under the SQL column names, with the already serialised jsonb columns spliced in verbatim.
import type { PgTable } from 'drizzle-orm/pg-core';
import type { NewUpstreamAttempt, requestLogs, storedResponses, upstreamAttempts } from './schema.js';
import { storableJson } from './storable.js';
import { isStoredResponse, type StoredResponse } from './stored-response.js';
import type { LogRequest, WriterEntry } from './store.js';

/**
 * The row object json_populate_recordset matches on. Typed from the schema so that a column added, renamed or
 * dropped there fails to compile here instead of silently logging NULL.
 */
type SqlRow<T extends PgTable> = { [K in keyof T['_']['columns'] as T['_']['columns'][K]['_']['name']]: unknown };

/** request_logs' JSON text columns, spliced in rather than serialised again. */
type RawColumns = 'request_body' | 'tool_calls';

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * Date.toJSON (what JSON.stringify calls) costs about a third of a microsecond, two per logged request; the
 * timestamps of one batch fall within a few seconds, so the text up to the second is formatted once per second.
 * Same text as toJSON, null for an invalid date likewise.
 */
export function isoTimestamp(date: Date): string | null {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return null;
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = date.toISOString();
    // Years outside 0000–9999 are written with a sign and six digits: rare enough not to cache.
    if (iso.length !== 24) return iso;
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/** An object literal of one shape for every row keeps JSON.stringify on V8's fast path. */
function requestRow(r: LogRequest): string {
  const row: Omit<SqlRow<typeof requestLogs>, RawColumns> = {
    id: r.id,
    x_request_id: r.xRequestId,
    created_at: isoTimestamp(r.createdAt),
    key_id: r.keyId,
    team_id: r.teamId,
    endpoint: r.endpoint,
    requested_model: r.requestedModel,
    stream: r.stream,
    session_id: r.sessionId,
    user_id: r.userId,
    question: r.question,
    provider: r.provider,
    model: r.model,
    status: r.status,
    finish_reason: r.finishReason,
    content: r.content,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    total_tokens: r.totalTokens,
    cached_tokens: r.cachedTokens,
    reasoning_tokens: r.reasoningTokens,
    latency_ms: r.latencyMs,
    ttft_ms: r.ttftMs,
    overhead_ms: r.overheadMs,
    attempts: r.attempts,
    partial: r.partial,
    error: r.error,
    error_code: r.errorCode,
    cost_usd: r.costUsd,
  };
  const head = JSON.stringify(row);
  return `${head.slice(0, -1)},"request_body":${r.requestBodyJson ?? 'null'},"tool_calls":${r.toolCallsJson ?? 'null'}}`;
}

function attemptRow(a: NewUpstreamAttempt): SqlRow<typeof upstreamAttempts> {
  return {
    id: a.id,
    request_id: a.requestId,
    attempt: a.attempt,
    started_at: isoTimestamp(a.startedAt),
    provider: a.provider,
    model: a.model,
    status: a.status,
    latency_ms: a.latencyMs,
    error: a.error,
    error_code: a.errorCode,
  };
}

/** The response and its input items go in as JSON values: serialised once, with the batch. */
function storedResponseRow(r: StoredResponse): SqlRow<typeof storedResponses> {
  return {
    id: r.id,
    key_id: r.keyId,
    created_at: isoTimestamp(r.createdAt),
    previous_response_id: r.previousResponseId,
    response: r.response,
    input_items: r.inputItems,
  };
}

/**
 * The parameters of the batch insert: request rows, attempt rows and (when the batch holds any) stored responses,
 * each a JSON array, made storable (no NUL, no lone surrogate in any column) so that one odd string never costs the
 * batch.
 */
export function batchJson(entries: WriterEntry[]): { requests: string; attempts: string; responses: string | undefined } {
  const requests: string[] = [];
  const attempts: Array<SqlRow<typeof upstreamAttempts>> = [];
  const responses: Array<SqlRow<typeof storedResponses>> = [];
  for (const entry of entries) {
    if (isStoredResponse(entry)) {
      responses.push(storedResponseRow(entry.storedResponse));
      continue;
    }
    requests.push(requestRow(entry.request));
    for (const attempt of entry.attempts) attempts.push(attemptRow(attempt));
  }
  return {
    requests: storableJson(`[${requests.join(',')}]`),
    attempts: storableJson(JSON.stringify(attempts)),
    responses: responses.length === 0 ? undefined : storableJson(JSON.stringify(responses)),
  };
}
