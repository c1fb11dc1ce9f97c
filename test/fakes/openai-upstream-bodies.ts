// Body builders for the fake OpenAI-wire upstream (and for tests that script it): completions, chunks, lists, errors.
export type FakeMode = 'openai' | 'mistral' | 'ollama';

export interface UsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [k: string]: unknown;
}

export interface ToolCallBody {
  id: string;
  type?: 'function';
  index?: number;
  function: { name: string; arguments: string };
}

export const usageBody = (prompt: number, completion: number): UsageBody => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });

let counter = 0;
const nextId = () => `chatcmpl-fake${++counter}`;
const now = () => Math.floor(Date.now() / 1000);

/** A `chat.completion` body. */
export function completionBody(opts: {
  content?: string | null;
  model?: string;
  toolCalls?: ToolCallBody[];
  finishReason?: string;
  usage?: UsageBody | null;
  reasoningContent?: string;
  id?: string;
}): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: opts.content === undefined ? 'Hello' : opts.content, refusal: null };
  if (opts.toolCalls) message.tool_calls = opts.toolCalls.map((c) => ({ type: 'function', ...c }));
  if (opts.reasoningContent !== undefined) message.reasoning_content = opts.reasoningContent;
  return {
    id: opts.id ?? nextId(),
    object: 'chat.completion',
    created: now(),
    model: opts.model ?? 'gpt-4o-mini',
    choices: [{ index: 0, message, logprobs: null, finish_reason: opts.finishReason ?? (opts.toolCalls ? 'tool_calls' : 'stop') }],
    usage: opts.usage === undefined ? usageBody(5, 2) : opts.usage,
    system_fingerprint: 'fp_fake',
  };
}

/** A `chat.completion.chunk` body with one choice (or none when `choices: []` is wanted, see usageChunkBody). */
export function chunkBody(
  delta: Record<string, unknown>,
  opts: { finishReason?: string | null; usage?: UsageBody | null; model?: string; id?: string } = {},
): Record<string, unknown> {
  const chunk: Record<string, unknown> = {
    id: opts.id ?? 'chatcmpl-fakestream',
    object: 'chat.completion.chunk',
    created: now(),
    model: opts.model ?? 'gpt-4o-mini',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: opts.finishReason ?? null }],
  };
  if (opts.usage !== undefined) chunk.usage = opts.usage;
  return chunk;
}

/** OpenAI's last streamed chunk with `stream_options.include_usage`. */
export function usageChunkBody(usage: UsageBody, opts: { model?: string; id?: string } = {}): Record<string, unknown> {
  return { id: opts.id ?? 'chatcmpl-fakestream', object: 'chat.completion.chunk', created: now(), model: opts.model ?? 'gpt-4o-mini', choices: [], usage };
}

/**
 * The chunks of a plain text answer as the given vendor streams it: role chunk, one chunk per word, finish chunk;
 * usage in its own `choices: []` chunk (OpenAI, Ollama; only when asked) or on the finish chunk (Mistral, always).
 */
export function textStreamChunks(text: string, opts: { model?: string; mode?: FakeMode; includeUsage?: boolean; usage?: UsageBody } = {}): Record<string, unknown>[] {
  const mode = opts.mode ?? 'openai';
  const id = nextId();
  const model = opts.model ?? 'gpt-4o-mini';
  const usage = opts.usage ?? usageBody(5, Math.max(1, text.split(/\s+/).filter(Boolean).length));
  const base = { model, id, ...(mode === 'mistral' ? {} : { usage: opts.includeUsage ? null : undefined }) };
  const words = text.match(/\S+\s*/g) ?? [text];
  const chunks = [chunkBody({ role: 'assistant', content: '' }, base), ...words.map((w) => chunkBody({ content: w }, base))];
  if (mode === 'mistral') {
    chunks.push(chunkBody({ content: '' }, { model, id, finishReason: 'stop', usage }));
  } else {
    chunks.push(chunkBody({}, { ...base, finishReason: 'stop' }));
    if (opts.includeUsage) chunks.push(usageChunkBody(usage, { model, id }));
  }
  return chunks;
}

export function embeddingsBody(inputs: unknown, model: string): Record<string, unknown> {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  return {
    object: 'list',
    data: list.map((input, index) => ({ object: 'embedding', index, embedding: [String(input).length / 100, index / 10, 0.5] })),
    model,
    usage: { prompt_tokens: list.length, total_tokens: list.length },
  };
}

export function modelsBody(ids: string[]): Record<string, unknown> {
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })) };
}

/** Ollama's native GET /api/tags. */
export function ollamaTagsBody(ids: string[]): Record<string, unknown> {
  return {
    models: ids.map((name) => ({ name, model: name, modified_at: '2025-05-10T08:06:48.639712648-07:00', size: 1000, digest: 'f'.repeat(64), details: { format: 'gguf' } })),
  };
}

/** OpenAI's error envelope. */
export function openAIErrorBody(message: string, type = 'invalid_request_error', code: string | null = null, param: string | null = null): Record<string, unknown> {
  return { error: { message, type, param, code } };
}

/** Mistral's 422 for a field it does not know (shape of fixture mistral-error-422-extra-forbidden.json). */
export function mistralExtraForbiddenBody(loc: (string | number)[], input: unknown): Record<string, unknown> {
  return {
    object: 'error',
    message: { detail: [{ type: 'extra_forbidden', loc, msg: 'Extra inputs are not permitted', input }] },
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
}
