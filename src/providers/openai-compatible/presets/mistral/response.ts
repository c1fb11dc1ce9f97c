// Mistral answers → OpenAI shapes, before validation: content-chunk arrays, tool calls without index/type, finish reasons.
import { GatewayError } from '../../../../errors.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Magistral sends `content` as an array: `{type:"thinking", thinking:[{type:"text",text}]}` chunks for reasoning,
 * `{type:"text",text}` (or plain strings) for the answer (wire doc §4; fixture mistral-stream-thinking.sse).
 */
export function splitMistralContent(parts: unknown[]): { text: string; thinking: string } {
  let text = '';
  let thinking = '';
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else if (isObject(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
    else if (isObject(part) && part.type === 'thinking' && Array.isArray(part.thinking)) {
      for (const inner of part.thinking) {
        if (typeof inner === 'string') thinking += inner;
        else if (isObject(inner) && typeof inner.text === 'string') thinking += inner.text;
      }
    }
  }
  return { text, thinking };
}

/** Streamed tool calls arrive whole, with a 9-character id but no `index` and no `type` (fixture mistral-stream-toolcall). */
function fixToolCalls(calls: unknown[]): unknown[] {
  if (calls.every((c) => !isObject(c) || (typeof c.index === 'number' && c.type === 'function'))) return calls;
  return calls.map((c, position) => (isObject(c) ? { ...c, index: typeof c.index === 'number' ? c.index : position, type: 'function' } : c));
}

/** One message or delta; `inDelta` omits an empty answer instead of sending `content: null`. */
function fixMessage(message: Json, inDelta: boolean): Json {
  let out = message;
  if (Array.isArray(message.content)) {
    const { text, thinking } = splitMistralContent(message.content);
    const { content: _parts, ...rest } = message;
    out = { ...rest };
    if (text || !inDelta) out.content = text || (thinking ? null : '');
    if (thinking) out.reasoning_content = thinking;
  }
  if (Array.isArray(message.tool_calls)) {
    const calls = fixToolCalls(message.tool_calls);
    if (calls !== message.tool_calls) out = { ...out, tool_calls: calls };
  }
  return out;
}

/** `model_length` is Mistral's context-window stop; `error` means generation failed on their side (map-mistral-finish-reason.ts). */
export function mapMistralFinishReason(reason: unknown, provider: string): unknown {
  if (reason === 'model_length') return 'length';
  if (reason === 'error') {
    throw new GatewayError({
      status: 502,
      type: 'api_error',
      message: `${provider}: generation failed upstream (finish_reason error)`,
      code: 'upstream_error',
      provider,
      retrySameTarget: true,
    });
  }
  return reason;
}

function fixChoices(json: unknown, key: 'delta' | 'message', provider: string): unknown {
  if (!isObject(json) || !Array.isArray(json.choices)) return json;
  let changed = false;
  const choices = json.choices.map((choice: unknown) => {
    if (!isObject(choice)) return choice;
    const body = choice[key];
    const fixed = isObject(body) ? fixMessage(body, key === 'delta') : body;
    const finish = mapMistralFinishReason(choice.finish_reason, provider);
    if (fixed === body && finish === choice.finish_reason) return choice;
    changed = true;
    return { ...choice, [key]: fixed, ...('finish_reason' in choice ? { finish_reason: finish } : {}) };
  });
  return changed ? { ...json, choices } : json;
}

/** A decoded stream chunk; the same object back when it is already OpenAI-shaped. */
export function fromMistralChunk(json: unknown, provider: string): unknown {
  return fixChoices(json, 'delta', provider);
}

export function fromMistralCompletion(json: unknown, provider: string): unknown {
  return fixChoices(json, 'message', provider);
}
