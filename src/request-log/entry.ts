// Turns one finished exchange into a log entry (request row + attempt rows), with secrets redacted.
import type { Redactor } from '../redact.js';
import type { AttemptRecord } from '../routing/router.js';
import { contentText, type ChatRequest } from '../schemas/chat-request.js';
import type { Usage } from '../schemas/chat-response.js';
import type { LogEntry } from './store.js';

export interface ExchangeRecord {
  requestId: string;
  startedAt: Date;
  endpoint: string;
  keyId?: string;
  teamId?: string;
  sessionId?: string;
  request?: ChatRequest;
  requestedModel?: string;
  stream: boolean;
  provider?: string;
  model?: string;
  status: number;
  finishReason?: string | null;
  content?: string | null;
  toolCalls?: unknown;
  usage?: Usage | null;
  latencyMs: number;
  ttftMs?: number;
  overheadMs?: number;
  attempts: AttemptRecord[];
  partial?: boolean;
  error?: string;
  errorCode?: string | null;
  /** USD; undefined when the model has no known price (or nothing was generated). */
  costUsd?: number;
}

/** What is known of an exchange when it starts. */
export type ExchangeContext = Pick<
  ExchangeRecord,
  'requestId' | 'startedAt' | 'endpoint' | 'keyId' | 'teamId' | 'sessionId' | 'request' | 'requestedModel' | 'stream' | 'attempts'
>;

/** How it ended. */
export type ExchangeOutcome = Omit<ExchangeRecord, keyof ExchangeContext>;

/**
 * Every proxied request's record, in one shape whoever builds it (chat, simple API, embeddings): records of
 * different shapes, spread together, made recording and toLogEntry megamorphic (both showed in profiles).
 * `satisfies` fails the build when a field is left out.
 */
export function exchangeRecord(c: ExchangeContext, o: ExchangeOutcome): ExchangeRecord {
  return {
    requestId: c.requestId,
    startedAt: c.startedAt,
    endpoint: c.endpoint,
    keyId: c.keyId,
    teamId: c.teamId,
    sessionId: c.sessionId,
    request: c.request,
    requestedModel: c.requestedModel,
    stream: c.stream,
    provider: o.provider,
    model: o.model,
    status: o.status,
    finishReason: o.finishReason,
    content: o.content,
    toolCalls: o.toolCalls,
    usage: o.usage,
    latencyMs: o.latencyMs,
    ttftMs: o.ttftMs,
    overheadMs: o.overheadMs,
    attempts: c.attempts,
    partial: o.partial,
    error: o.error,
    errorCode: o.errorCode,
    costUsd: o.costUsd,
  } satisfies Record<keyof ExchangeRecord, unknown>;
}

const WITHHELD = JSON.stringify({ withheld: 'a secret in this value could not be redacted without breaking its JSON' });

/**
 * The value as JSON text with secrets redacted: the batch insert splices this text in as it is, so a body is
 * serialised once, for the secret check and the database together.
 */
function redactedJson(value: unknown, redact: Redactor): string | null {
  // undefined for values JSON has no text for; the column is NULL then, as JSON.stringify of the row would leave it.
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined || !redact.active) return text ?? null;
  const redacted = redact(text);
  if (redacted === text) return text;
  // A secret with quotes or backslashes can be matched across JSON syntax: rather than break the batch (or the
  // request that is being logged), keep a marker in place of a body that no longer parses.
  try {
    JSON.parse(redacted);
    return redacted;
  } catch {
    return WITHHELD;
  }
}

function lastUserQuestion(request: ChatRequest | undefined): string | null {
  if (!request) return null;
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i];
    if (m?.role === 'user') return contentText(m.content);
  }
  return null;
}

const redactText = (text: string | null, redact: Redactor): string | null => (text === null ? null : redact(text));

export function toLogEntry(record: ExchangeRecord, logBodies: boolean, redact: Redactor): LogEntry {
  const rowId = crypto.randomUUID();
  const usage = record.usage ?? undefined;
  return {
    request: {
      id: rowId,
      xRequestId: record.requestId,
      createdAt: record.startedAt,
      keyId: record.keyId ?? null,
      teamId: record.teamId ?? null,
      endpoint: record.endpoint,
      requestedModel: record.requestedModel ?? record.request?.model ?? null,
      stream: record.stream,
      sessionId: redactText(record.sessionId ?? null, redact),
      userId: redactText(record.request?.user ?? null, redact),
      // A key pasted into a prompt (or echoed back by a model) is a key all the same.
      question: logBodies ? redactText(lastUserQuestion(record.request), redact) : null,
      requestBodyJson: logBodies && record.request ? redactedJson(record.request, redact) : null,
      provider: record.provider ?? null,
      model: record.model ?? null,
      status: record.status,
      finishReason: record.finishReason ?? null,
      content: logBodies ? redactText(record.content ?? null, redact) : null,
      toolCallsJson: logBodies && record.toolCalls != null ? redactedJson(record.toolCalls, redact) : null,
      promptTokens: usage?.prompt_tokens ?? null,
      completionTokens: usage?.completion_tokens ?? null,
      totalTokens: usage?.total_tokens ?? null,
      cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? null,
      reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? null,
      latencyMs: Math.round(record.latencyMs),
      ttftMs: record.ttftMs === undefined ? null : Math.round(record.ttftMs),
      overheadMs: record.overheadMs === undefined ? null : Math.round(record.overheadMs),
      attempts: record.attempts.length,
      partial: record.partial ?? false,
      error: record.error ? redact(record.error) : null,
      errorCode: redactText(record.errorCode ?? null, redact),
      costUsd: record.costUsd ?? null,
    },
    attempts: record.attempts.map((a, i) => ({
      id: `${rowId}#${i + 1}`,
      requestId: rowId,
      attempt: i + 1,
      startedAt: a.startedAt,
      provider: a.provider,
      model: a.model,
      status: a.status,
      latencyMs: Math.round(a.latencyMs),
      error: a.error ? redact(a.error) : null,
      errorCode: redactText(a.errorCode ?? null, redact),
    })),
  };
}
