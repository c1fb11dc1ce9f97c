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
}

/** Re-parses only when a secret was actually found, so the common case costs one stringify (none without secrets). */
function redactJson(value: unknown, redact: Redactor): unknown {
  if (!redact.active) return value;
  const text = JSON.stringify(value);
  const redacted = redact(text);
  return redacted === text ? value : JSON.parse(redacted);
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
  const requestBody = logBodies && record.request ? redactJson(record.request, redact) : null;
  return {
    request: {
      id: rowId,
      xRequestId: record.requestId,
      createdAt: record.startedAt,
      keyId: record.keyId ?? null,
      endpoint: record.endpoint,
      requestedModel: record.requestedModel ?? record.request?.model ?? null,
      stream: record.stream,
      sessionId: redactText(record.sessionId ?? null, redact),
      userId: redactText(record.request?.user ?? null, redact),
      // A key pasted into a prompt (or echoed back by a model) is a key all the same.
      question: logBodies ? redactText(lastUserQuestion(record.request), redact) : null,
      requestBody,
      provider: record.provider ?? null,
      model: record.model ?? null,
      status: record.status,
      finishReason: record.finishReason ?? null,
      content: logBodies ? redactText(record.content ?? null, redact) : null,
      toolCalls: logBodies && record.toolCalls != null ? redactJson(record.toolCalls, redact) : null,
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
      errorCode: record.errorCode ?? null,
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
      errorCode: a.errorCode ?? null,
    })),
  };
}
