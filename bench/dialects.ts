// The OpenAI Responses and Anthropic Messages dialects as the benchmark speaks them: request bodies and the checks
// that a JSON answer or an SSE stream is complete and carries the fake upstream's text and usage.
import { type Dialect, EXPECTED_TEXT, sseEvents } from './checks.js';

const QUESTION = 'Say hello in a few words.';

type Json = Record<string, unknown>;

function parse(text: string): Json | string {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Json) : `not an object: ${text.slice(0, 80)}`;
  } catch {
    return `not JSON: ${text.slice(0, 120)}`;
  }
}

/** Every event's data as JSON, or the first problem found. */
function jsonEvents(text: string): Json[] | string {
  const out: Json[] = [];
  for (const e of sseEvents(text)) {
    const v = parse(e.data);
    if (typeof v === 'string') return `event ${e.event ?? '(unnamed)'}: ${v}`;
    if (e.event !== undefined && v.type !== e.event) return `event: ${e.event} carries type ${String(v.type)}`;
    out.push(v);
  }
  return out;
}

const outputText = (response: Json): string => {
  let text = '';
  for (const item of (response.output as Json[] | undefined) ?? [])
    for (const part of (item.content as Json[] | undefined) ?? []) if (part.type === 'output_text') text += String(part.text ?? '');
  return text;
};

export function checkResponsesJson(text: string): string | null {
  const body = parse(text);
  if (typeof body === 'string') return body;
  if (body.object !== 'response') return `object is ${String(body.object)}`;
  if (body.status !== 'completed') return `status is ${String(body.status)}`;
  if (outputText(body) !== EXPECTED_TEXT) return "output text differs from the upstream's";
  if (!(body.usage as Json | undefined)?.output_tokens) return 'no usage.output_tokens';
  return null;
}

export function checkResponsesStream(text: string): string | null {
  const events = jsonEvents(text);
  if (typeof events === 'string') return events;
  let deltas = '';
  let seq = -1;
  for (const e of events) {
    if (e.type === 'error' || e.type === 'response.failed') return `${String(e.type)} event: ${JSON.stringify(e).slice(0, 200)}`;
    if (typeof e.sequence_number !== 'number' || e.sequence_number <= seq) return `sequence_number ${String(e.sequence_number)} after ${seq}`;
    seq = e.sequence_number;
    if (e.type === 'response.output_text.delta') deltas += String(e.delta ?? '');
  }
  if (events[0]?.type !== 'response.created') return `first event is ${String(events[0]?.type)}`;
  const last = events.at(-1);
  if (last?.type !== 'response.completed') return `last event is ${String(last?.type)}`;
  if (deltas !== EXPECTED_TEXT) return `deltas ${JSON.stringify(deltas.slice(0, 60))} differ from the upstream's`;
  return checkResponsesJson(JSON.stringify(last.response));
}

export const RESPONSES: Dialect = {
  name: 'responses',
  path: '/v1/responses',
  body: (model, stream) => JSON.stringify(stream ? { model, input: QUESTION, stream: true } : { model, input: QUESTION }),
  checkJson: checkResponsesJson,
  checkStream: checkResponsesStream,
  streamComplete: (text) => text.includes('response.completed') && text.includes('"usage"') && text.endsWith('\n\n'),
};

const messageText = (message: Json): string =>
  ((message.content as Json[] | undefined) ?? []).map((b) => (b.type === 'text' ? String(b.text ?? '') : '')).join('');

export function checkMessagesJson(text: string): string | null {
  const body = parse(text);
  if (typeof body === 'string') return body;
  if (body.type !== 'message') return `type is ${String(body.type)}`;
  if (messageText(body) !== EXPECTED_TEXT) return "content differs from the upstream's";
  if (body.stop_reason !== 'end_turn') return `stop_reason is ${String(body.stop_reason)}`;
  if (!(body.usage as Json | undefined)?.output_tokens) return 'no usage.output_tokens';
  return null;
}

export function checkMessagesStream(text: string): string | null {
  const events = jsonEvents(text);
  if (typeof events === 'string') return events;
  let content = '';
  let stop: unknown;
  let outputTokens: unknown;
  for (const e of events) {
    if (e.type === 'error') return `error event: ${JSON.stringify(e).slice(0, 200)}`;
    const delta = e.delta as Json | undefined;
    if (e.type === 'content_block_delta' && delta?.type === 'text_delta') content += String(delta.text ?? '');
    if (e.type === 'message_delta') {
      stop = delta?.stop_reason;
      outputTokens = (e.usage as Json | undefined)?.output_tokens;
    }
  }
  if (events[0]?.type !== 'message_start') return `first event is ${String(events[0]?.type)}`;
  if (events.at(-1)?.type !== 'message_stop') return `last event is ${String(events.at(-1)?.type)}`;
  if (content !== EXPECTED_TEXT) return `text ${JSON.stringify(content.slice(0, 60))} differs from the upstream's`;
  if (stop !== 'end_turn') return `message_delta stop_reason is ${String(stop)}`;
  if (!outputTokens) return 'no usage.output_tokens in message_delta';
  return null;
}

export const MESSAGES: Dialect = {
  name: 'messages',
  path: '/v1/messages',
  body: (model, stream) => JSON.stringify({ model, max_tokens: 256, messages: [{ role: 'user', content: QUESTION }], ...(stream ? { stream: true } : {}) }),
  checkJson: checkMessagesJson,
  checkStream: checkMessagesStream,
  streamComplete: (text) => text.includes('"message_stop"') && text.includes('"output_tokens"') && text.endsWith('\n\n'),
};
