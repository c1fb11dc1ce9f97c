// The fake upstream's answers in each wire dialect (OpenAI Chat, OpenAI Responses, Anthropic Messages), as the
// vendors send them, computed once per model name: JSON bodies and the SSE events of a 20-chunk stream.

/** Content chunks per streamed answer (then each dialect's closing events). */
export const STREAM_CONTENT_CHUNKS = 20;
export const PROMPT_TOKENS = 12;

const CREATED = 1_700_000_000;
const WORDS = Array.from({ length: STREAM_CONTENT_CHUNKS }, (_, i) => `tok${i} `);
const TEXT = WORDS.join('');
const USAGE = { prompt_tokens: PROMPT_TOKENS, completion_tokens: STREAM_CONTENT_CHUNKS, total_tokens: PROMPT_TOKENS + STREAM_CONTENT_CHUNKS };

export interface Prepared {
  json: Buffer;
  /** One buffer per SSE event, written one at a time as a real server flushes them. */
  stream: Buffer[];
  /** OpenAI Chat only: the usage chunk, sent when stream_options.include_usage asks for it. */
  usage?: Buffer;
  tail: Buffer;
}

const data = (obj: unknown): Buffer => Buffer.from(`data: ${JSON.stringify(obj)}\n\n`);
const named = (event: string, obj: unknown): Buffer => Buffer.from(`event: ${event}\ndata: ${JSON.stringify(obj)}\n\n`);

export function prepareChat(model: string): Prepared {
  const id = 'chatcmpl-bench';
  const json = Buffer.from(
    JSON.stringify({
      id,
      object: 'chat.completion',
      created: CREATED,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: TEXT }, finish_reason: 'stop', logprobs: null }],
      usage: USAGE,
    }),
  );
  const chunk = (delta: object, finish: string | null) => ({ id, object: 'chat.completion.chunk', created: CREATED, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  const stream = WORDS.map((w, i) => data(chunk(i === 0 ? { role: 'assistant', content: w } : { content: w }, null)));
  stream.push(data(chunk({}, 'stop')));
  const usage = data({ id, object: 'chat.completion.chunk', created: CREATED, model, choices: [], usage: USAGE });
  return { json, stream, usage, tail: Buffer.from('data: [DONE]\n\n') };
}

/** OpenAI's Response object with every field its API returns for a plain text answer. */
function responseObject(model: string, status: 'in_progress' | 'completed', output: unknown[], usage: unknown) {
  return {
    id: 'resp_bench',
    object: 'response',
    created_at: CREATED,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: {},
  };
}

export function prepareResponses(model: string): Prepared {
  const itemId = 'msg_bench';
  const part = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });
  const item = (status: string, content: unknown[]) => ({ id: itemId, type: 'message', status, role: 'assistant', content });
  const usage = { input_tokens: PROMPT_TOKENS, input_tokens_details: { cached_tokens: 0 }, output_tokens: STREAM_CONTENT_CHUNKS, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: USAGE.total_tokens };
  const done = item('completed', [part(TEXT)]);
  const json = Buffer.from(JSON.stringify(responseObject(model, 'completed', [done], usage)));
  let seq = 0;
  const ev = (type: string, fields: object) => named(type, { type, sequence_number: seq++, ...fields });
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  const opening = responseObject(model, 'in_progress', [], null);
  const stream = [
    ev('response.created', { response: opening }),
    ev('response.in_progress', { response: opening }),
    ev('response.output_item.added', { output_index: 0, item: item('in_progress', []) }),
    ev('response.content_part.added', { ...at, part: part('') }),
    ...WORDS.map((delta) => ev('response.output_text.delta', { ...at, delta, logprobs: [] })),
    ev('response.output_text.done', { ...at, text: TEXT, logprobs: [] }),
    ev('response.content_part.done', { ...at, part: part(TEXT) }),
    ev('response.output_item.done', { output_index: 0, item: done }),
  ];
  const tail = ev('response.completed', { response: responseObject(model, 'completed', [done], usage) });
  return { json, stream, tail };
}

export function prepareMessages(model: string): Prepared {
  const id = 'msg_01Bench';
  const usage = { input_tokens: PROMPT_TOKENS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: STREAM_CONTENT_CHUNKS };
  const message = (content: unknown[], stop: string | null, u: object) => ({ id, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage: u });
  const json = Buffer.from(JSON.stringify(message([{ type: 'text', text: TEXT }], 'end_turn', usage)));
  const ev = (type: string, fields: object = {}) => named(type, { type, ...fields });
  const stream = [
    ev('message_start', { message: message([], null, { ...usage, output_tokens: 1 }) }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ev('ping'),
    ...WORDS.map((text) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: STREAM_CONTENT_CHUNKS } }),
  ];
  return { json, stream, tail: ev('message_stop') };
}

/** The dialect a request path speaks, by its last segment (base URLs may or may not include /v1). */
export function wireOf(path: string): { kind: 'chat' | 'responses' | 'messages'; prepare: (model: string) => Prepared } | undefined {
  const p = path.split('?')[0] ?? '';
  if (p.endsWith('/chat/completions')) return { kind: 'chat', prepare: prepareChat };
  if (p.endsWith('/responses')) return { kind: 'responses', prepare: prepareResponses };
  if (p.endsWith('/messages')) return { kind: 'messages', prepare: prepareMessages };
  return undefined;
}
