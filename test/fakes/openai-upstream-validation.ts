// Request checks that make the fake upstream as strict as the real vendors: Mistral's 422 on unknown fields, Ollama's data-URL-only images.
import type { FakeReply } from './openai-upstream.js';
import { mistralExtraForbiddenBody, openAIErrorBody } from './openai-upstream-bodies.js';

/** Top-level fields Mistral's chat endpoint accepts (its SDK v2 outbound schema plus wire doc §4). */
const MISTRAL_FIELDS = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'metadata', 'response_format',
  'tools', 'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls', 'safe_prompt',
  'prompt_mode', 'reasoning_effort', 'document_image_limit', 'guardrails', 'prompt_cache_key', 'service_tier',
]);
const MISTRAL_MESSAGE_FIELDS: Record<string, Set<string>> = {
  system: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'prefix']),
  tool: new Set(['role', 'content', 'tool_call_id', 'name']),
};
const MISTRAL_TOOL_CHOICES = new Set(['auto', 'none', 'any', 'required']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function mistral422(loc: (string | number)[], input: unknown): FakeReply {
  return { status: 422, json: mistralExtraForbiddenBody(loc, input) };
}

export function validateMistralBody(body: unknown): FakeReply | undefined {
  if (!isObject(body)) return { status: 400, json: { object: 'error', message: 'Invalid JSON body', type: 'invalid_request_error', param: null, code: null } };
  for (const [key, value] of Object.entries(body)) {
    if (!MISTRAL_FIELDS.has(key)) return mistral422(['body', key], value);
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const [i, m] of messages.entries()) {
    if (!isObject(m)) continue;
    const allowed = MISTRAL_MESSAGE_FIELDS[String(m.role)];
    if (!allowed) {
      return {
        status: 422,
        json: {
          object: 'error',
          message: { detail: [{ type: 'union_tag_invalid', loc: ['body', 'messages', i], msg: `Input tag '${String(m.role)}' found using 'role' does not match any of the expected tags: 'assistant', 'system', 'tool', 'user'`, input: m }] },
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      };
    }
    for (const [key, value] of Object.entries(m)) {
      if (!allowed.has(key)) return mistral422(['body', 'messages', i, String(m.role), key], value);
    }
  }
  const choice = body.tool_choice;
  if (typeof choice === 'string' && !MISTRAL_TOOL_CHOICES.has(choice)) return mistral422(['body', 'tool_choice'], choice);
  return invalidToolCallId(messages);
}

/** Mistral refuses tool-call ids that are not exactly 9 alphanumeric characters (as reported in public issues). */
function invalidToolCallId(messages: unknown[]): FakeReply | undefined {
  const ids: unknown[] = [];
  for (const m of messages) {
    if (!isObject(m)) continue;
    if (m.role === 'tool') ids.push(m.tool_call_id);
    if (m.role === 'assistant' && Array.isArray(m.tool_calls)) ids.push(...m.tool_calls.map((c) => (isObject(c) ? c.id : undefined)));
  }
  const bad = ids.find((id) => typeof id === 'string' && !/^[a-zA-Z0-9]{9}$/.test(id));
  if (bad === undefined) return undefined;
  const message = `Tool call id was ${String(bad)} but must be a-z, A-Z, 0-9, with a length of 9.`;
  return { status: 400, json: { object: 'error', message, type: 'invalid_request_message_order', param: null, code: '3280' } };
}

/** Mistral's embeddings fields (its SDK's EmbeddingRequest outbound schema); anything else is a 422 like chat's. */
const MISTRAL_EMBEDDING_FIELDS = new Set(['model', 'metadata', 'input', 'output_dimension', 'output_dtype', 'encoding_format']);

export function validateMistralEmbeddingsBody(body: unknown): FakeReply | undefined {
  if (!isObject(body)) return { status: 400, json: { object: 'error', message: 'Invalid JSON body', type: 'invalid_request_error', param: null, code: null } };
  for (const [key, value] of Object.entries(body)) {
    if (!MISTRAL_EMBEDDING_FIELDS.has(key)) return mistral422(['body', key], value);
  }
  return undefined;
}

/** Ollama's /v1 decodes only base64 data URLs (openai/openai.go); anything else is a 400. */
export function validateOllamaBody(body: unknown): FakeReply | undefined {
  const messages = isObject(body) && Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    if (!isObject(m) || !Array.isArray(m.content)) continue;
    for (const part of m.content) {
      if (!isObject(part) || part.type !== 'image_url') continue;
      const url = isObject(part.image_url) ? part.image_url.url : part.image_url;
      if (typeof url !== 'string' || !url.startsWith('data:')) {
        return { status: 400, json: openAIErrorBody('invalid image input', 'invalid_request_error') };
      }
    }
  }
  return undefined;
}
