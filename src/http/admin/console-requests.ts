// GET /admin/requests (filtered, cursor-paged newest first, or the live tail with newer_than) and
// GET /admin/requests/{id} (the row with its bodies and the attempts timeline).
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { GatewayError } from '../../errors.js';
import type { LogDb } from '../../request-log/db.js';
import { answers, tags } from './common.js';
import { anchorQuery, decodeCursor, detailQuery, encodeCursor, filterConditions, requestPageQuery, summaryColumns, timelineQuery, type Anchor } from './console-request-query.js';
import { requestDetailSchema, requestIdParams, requestListSchema, requestsQuery, type RequestsQuery } from './console-shapes.js';

type SummaryRow = Awaited<ReturnType<typeof requestPageQuery>>[number];

const notFound = (id: string, param: string | null = null) => new GatewayError({ status: 404, message: `No request with id '${id}'.`, code: 'not_found', param });

const cost = (value: number | string | null) => (value === null ? null : Number(value));

export function summaryView(row: SummaryRow): z.infer<typeof requestListSchema>['data'][number] {
  return {
    id: row.id,
    created_at: row.createdAt.toISOString(),
    endpoint: row.endpoint,
    key_id: row.keyId,
    team_id: row.teamId,
    requested_model: row.requestedModel,
    provider: row.provider,
    model: row.model,
    status: row.status,
    stream: row.stream,
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    cost_usd: cost(row.costUsd),
    attempts: row.attempts,
    session_id: row.sessionId,
    question: row.question,
    error_code: row.errorCode,
  };
}

export async function listRequests(db: LogDb, query: RequestsQuery): Promise<z.infer<typeof requestListSchema>> {
  const position: { before?: Anchor; after?: Anchor } = {};
  if (query.cursor) position.before = decodeCursor(query.cursor);
  if (query.newer_than) {
    const [anchor] = await anchorQuery(db, query.newer_than);
    if (!anchor) throw notFound(query.newer_than, 'newer_than');
    position.after = anchor;
  }
  if (query.newer_than_cursor) position.after = decodeCursor(query.newer_than_cursor, 'newer_than_cursor');
  const rows = await requestPageQuery(db, filterConditions(query), query.limit, position);
  const hasMore = rows.length > query.limit;
  const page = hasMore ? rows.slice(0, query.limit) : rows;
  const last = page.at(-1);
  const head = page[0];
  return { object: 'list', data: page.map(summaryView), has_more: hasMore, next_cursor: hasMore && last ? encodeCursor(last) : null, head_cursor: head ? encodeCursor(head) : null };
}

export async function requestDetail(db: LogDb, id: string): Promise<z.infer<typeof requestDetailSchema>> {
  const [[row], attempts] = await Promise.all([detailQuery(db, id), timelineQuery(db, id)]);
  if (!row) throw notFound(id);
  return {
    ...summaryView(row),
    request_body: row.requestBody ?? null,
    content: row.content,
    tool_calls: row.toolCalls ?? null,
    finish_reason: row.finishReason,
    error: row.error,
    cached_tokens: row.cachedTokens,
    reasoning_tokens: row.reasoningTokens,
    x_request_id: row.xRequestId,
    timeline: attempts.map((t) => ({
      attempt: t.attempt,
      started_at: t.startedAt.toISOString(),
      provider: t.provider,
      model: t.model,
      status: t.status,
      latency_ms: t.latencyMs,
      error: t.error,
      error_code: t.errorCode,
    })),
  };
}

export function registerRequests(admin: FastifyInstance, db: LogDb): void {
  admin.get(
    '/admin/requests',
    { schema: { summary: 'Logged requests, newest first, filtered and paged by cursor (newer_than: the live tail)', tags, querystring: requestsQuery, response: answers(requestListSchema) } },
    async (req) => listRequests(db, req.query as RequestsQuery),
  );
  admin.get(
    '/admin/requests/:id',
    { schema: { summary: 'One logged request with its bodies and attempts timeline', tags, params: requestIdParams, response: answers(requestDetailSchema) } },
    async (req) => requestDetail(db, (req.params as z.infer<typeof requestIdParams>).id),
  );
}
