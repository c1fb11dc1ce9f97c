// OpenAI chat and embeddings requests → Mistral's strict ones: only the fields Mistral accepts, renamed where it names them differently.
import { createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest, FunctionTool, UserContentPart } from '../../../../schemas/chat-request.js';
import { contentText } from '../../../../schemas/chat-request.js';
import type { EmbeddingsRequest } from '../../../../schemas/embeddings.js';

/**
 * Mistral answers 422 `extra_forbidden` to any field it does not know (wire doc §4; fixture
 * mistral-error-422-extra-forbidden.json), so the body is built from this list, never passed through.
 */
const PASSED_FIELDS = [
  'model',
  'stream',
  'temperature',
  'top_p',
  'max_tokens',
  'stop',
  'response_format',
  'presence_penalty',
  'frequency_penalty',
  'n',
  'prediction',
  'parallel_tool_calls',
  'safe_prompt',
  'prompt_mode',
  'reasoning_effort',
  'document_image_limit',
  'prompt_cache_key',
] as const;

type MistralMessage = Record<string, unknown>;

function toMistralUserPart(part: UserContentPart): Record<string, unknown> {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image_url':
      // Mistral takes the OpenAI object form {url, detail?} as well as a bare string.
      return { type: 'image_url', image_url: part.image_url.detail ? { url: part.image_url.url, detail: part.image_url.detail } : { url: part.image_url.url } };
    case 'input_audio':
      return { type: 'input_audio', input_audio: part.input_audio.data };
    case 'file': {
      const file = part.file;
      if (typeof file.file_id === 'string') return { type: 'file', file_id: file.file_id };
      const doc: Record<string, unknown> = { type: 'document_url', document_url: file.file_data };
      if (typeof file.filename === 'string') doc.document_name = file.filename;
      return doc;
    }
  }
}

function textOnly(content: ChatMessage['content']): string | Array<{ type: 'text'; text: string }> {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.flatMap((p) => ('text' in p && typeof p.text === 'string' ? [{ type: 'text' as const, text: p.text }] : []));
}

const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Mistral accepts only 9-character alphanumeric tool-call ids. A history made elsewhere (after a fallback, or the
 * `call_…` ids the gateway makes for Gemini) is mapped deterministically, so a call and its result still match.
 */
export function toMistralToolCallId(id: string): string {
  if (MISTRAL_ID.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += ALPHANUMERIC[(digest[i] ?? 0) % ALPHANUMERIC.length];
  return out;
}

/** Per-role whitelist: `reasoning_content`, `name`, `refusal` and other OpenAI extras are 422s on Mistral. */
export function toMistralMessages(messages: ChatMessage[]): MistralMessage[] {
  const toolNames = new Map<string, string>();
  const out: MistralMessage[] = [];
  for (const m of messages) {
    switch (m.role) {
      case 'system':
      case 'developer':
        out.push({ role: 'system', content: textOnly(m.content) });
        break;
      case 'user':
        out.push({ role: 'user', content: typeof m.content === 'string' ? m.content : m.content.map(toMistralUserPart) });
        break;
      case 'assistant': {
        const msg: MistralMessage = { role: 'assistant', content: m.content == null ? null : contentText(m.content) };
        if (m.tool_calls?.length) {
          msg.tool_calls = m.tool_calls.map((tc) => {
            toolNames.set(tc.id, tc.function.name);
            return { id: toMistralToolCallId(tc.id), type: 'function', function: { name: tc.function.name, arguments: tc.function.arguments } };
          });
        } else if (msg.content === null) {
          msg.content = '';
        }
        if (m.prefix === true) msg.prefix = true;
        out.push(msg);
        break;
      }
      case 'tool': {
        // Mistral's tool message carries the function name; OpenAI's does not, so take it from the call.
        const msg: MistralMessage = { role: 'tool', tool_call_id: toMistralToolCallId(m.tool_call_id), content: textOnly(m.content) };
        const name = toolNames.get(m.tool_call_id);
        if (name) msg.name = name;
        out.push(msg);
        break;
      }
      case 'function':
        out.push({ role: 'tool', name: m.name, content: m.content ?? '' });
        break;
    }
  }
  return out;
}

function toMistralTool(tool: FunctionTool): Record<string, unknown> {
  const fn = tool.function;
  const out: Record<string, unknown> = { name: fn.name, parameters: fn.parameters ?? { type: 'object', properties: {} } };
  if (fn.description != null) out.description = fn.description;
  if (fn.strict != null) out.strict = fn.strict;
  return { type: 'function', function: out };
}

/** `required` is `any` on Mistral; a named choice becomes `any` over that one tool (vercel/ai mistral-prepare-tools.ts). */
function toMistralTools(body: ChatRequest): { tools?: Record<string, unknown>[]; tool_choice?: string } {
  const functions = (body.tools ?? []).filter((t): t is FunctionTool => t.type === 'function' && 'function' in t);
  if (functions.length === 0) return {};
  const choice = body.tool_choice;
  if (choice && typeof choice === 'object' && choice.type === 'function' && 'function' in choice) {
    const named = functions.filter((t) => t.function.name === choice.function.name);
    return { tools: named.map(toMistralTool), tool_choice: 'any' };
  }
  const tools = functions.map(toMistralTool);
  if (choice === 'required') return { tools, tool_choice: 'any' };
  if (choice === 'auto' || choice === 'none') return { tools, tool_choice: choice };
  return { tools };
}

export function toMistralBody(body: ChatRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of PASSED_FIELDS) {
    const value = body[key];
    if (value != null) out[key] = value;
  }
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (maxTokens != null) out.max_tokens = maxTokens;
  if (body.seed != null) out.random_seed = body.seed;
  out.messages = toMistralMessages(body.messages);
  Object.assign(out, toMistralTools(body));
  return out;
}

/**
 * Mistral's embeddings body (its SDK's EmbeddingRequest: model, input, output_dimension, output_dtype,
 * encoding_format): OpenAI's `dimensions` is `output_dimension`, and `user` would be a 422.
 */
export function toMistralEmbeddingsBody(request: EmbeddingsRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model, input: request.input };
  if (request.dimensions != null) body.output_dimension = request.dimensions;
  if (request.encoding_format != null) body.encoding_format = request.encoding_format;
  return body;
}
