// The built-in mock provider: answers any `mock/*` model offline so a zero-config gateway exercises the whole API.
// `echo` repeats the last user message; `tools` (the one model that declares tools, so routing can tell them apart)
// calls the offered tool tool_choice names, else the first, with schema-valid arguments, then answers the tool's
// result in text; every model honours response_format (json_object / json_schema) and serves deterministic
// embeddings (`embed` is listed for them). Answers arrive after a small simulated delay.
import { setTimeout as sleep } from 'node:timers/promises';
import { invalidRequest } from '../errors.js';
import { contentText, type ChatRequest, type FunctionTool } from '../schemas/chat-request.js';
import { makeUsage, type CompletionMessage } from '../schemas/chat-response.js';
import { ChunkFactory, makeCompletion, newToolCallId } from './chunks.js';
import { mockEmbeddings } from './mock-embeddings.js';
import { minimalInstance } from './mock-schema.js';
import type { ChatStreamEvent, Provider, ProviderConfig } from './provider.js';

const DEFAULT_DELAY_MS = 20;
const TOOLS_MODEL = 'tools';
export const MOCK_MODELS = ['echo', 'embed', TOOLS_MODEL];
/** Streamed JSON (answers and tool arguments) arrives in pieces this long, so clients must join chunks. */
const JSON_PIECE = 8;

type Answer = { kind: 'text'; text: string; json: boolean } | { kind: 'tool'; id: string; name: string; arguments: string };

/** A rough token count (words) so usage is plausible and deterministic. */
function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function promptTokens(request: ChatRequest): number {
  return request.messages.reduce((sum, m) => sum + countTokens(contentText(m.content)), 0);
}

function lastUserIndex(request: ChatRequest): number {
  return request.messages.findLastIndex((m) => m.role === 'user');
}

/** Tool results the client sent since its last own message: the tool loop's second turn. */
function toolResults(request: ChatRequest): string[] {
  return request.messages.slice(lastUserIndex(request) + 1).flatMap((m) => (m.role === 'tool' ? [contentText(m.content)] : []));
}

function toolToCall(request: ChatRequest, model: string): FunctionTool | undefined {
  const tools = (request.tools ?? []).filter((t): t is FunctionTool => t.type === 'function');
  const choice = request.tool_choice;
  if (tools.length === 0 || choice === 'none' || toolResults(request).length > 0) return undefined;
  const forced = typeof choice === 'object' && choice?.type === 'function' ? (choice as { function: { name: string } }).function.name : undefined;
  if (forced !== undefined) {
    const named = tools.find((t) => t.function.name === forced);
    if (!named) throw invalidRequest(`tool_choice names '${forced}', which is not among the tools`, 'tool_choice');
    return named;
  }
  return model === TOOLS_MODEL || choice === 'required' ? tools[0] : undefined;
}

function answerFor(request: ChatRequest, model: string): Answer {
  const tool = toolToCall(request, model);
  if (tool) {
    const args = minimalInstance(tool.function.parameters ?? { type: 'object' });
    return { kind: 'tool', id: newToolCallId(), name: tool.function.name, arguments: JSON.stringify(args ?? {}) };
  }
  const results = toolResults(request);
  const user = contentText(request.messages[lastUserIndex(request)]?.content);
  const text = results.length > 0 ? `mock: the tool returned ${results.join('; ')}` : user || '(mock: no user message to echo)';
  const format = request.response_format;
  if (format?.type === 'json_object') return { kind: 'text', text: JSON.stringify({ answer: text }), json: true };
  if (format?.type === 'json_schema') {
    const schema = format.json_schema.schema ?? { type: 'object' };
    return { kind: 'text', text: JSON.stringify(minimalInstance(schema)), json: true };
  }
  return { kind: 'text', text, json: false };
}

const completionTokens = (answer: Answer) => Math.max(1, countTokens(answer.kind === 'tool' ? answer.arguments : answer.text));

function messageOf(answer: Answer): CompletionMessage {
  if (answer.kind === 'text') return { role: 'assistant', content: answer.text, refusal: null };
  const call = { id: answer.id, type: 'function' as const, function: { name: answer.name, arguments: answer.arguments } };
  return { role: 'assistant', content: null, refusal: null, tool_calls: [call] };
}

function pieces(text: string, json: boolean): string[] {
  if (json) return Array.from({ length: Math.ceil(text.length / JSON_PIECE) }, (_, i) => text.slice(i * JSON_PIECE, (i + 1) * JSON_PIECE));
  return text.match(/\S+\s*/g) ?? [text];
}

function* chunksOf(answer: Answer, factory: ChunkFactory): Generator<ChatStreamEvent> {
  if (answer.kind === 'text') {
    for (const piece of pieces(answer.text, answer.json)) yield factory.delta({ content: piece });
    return;
  }
  yield factory.delta({ tool_calls: [{ index: 0, id: answer.id, type: 'function', function: { name: answer.name, arguments: '' } }] });
  for (const piece of pieces(answer.arguments, true)) yield factory.delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
}

export function createMockProvider(config: ProviderConfig): Provider {
  const delayMs = Number(config.options?.delayMs ?? DEFAULT_DELAY_MS);
  const models = config.models?.length ? config.models : MOCK_MODELS;

  return {
    id: config.id,
    type: 'mock',
    capabilities: (model) => ({ tools: model === TOOLS_MODEL, vision: true, jsonSchema: true, reasoning: false, embeddings: true, files: false }),
    listModels: async () => models.map((id) => ({ id, ownedBy: 'llm-gateway' })),
    probe: async () => undefined,

    async chat(request, model, options) {
      const answer = answerFor(request, model);
      await sleep(delayMs, undefined, { signal: options.signal });
      const usage = makeUsage(promptTokens(request), completionTokens(answer));
      return makeCompletion(`${config.id}/${model}`, messageOf(answer), answer.kind === 'tool' ? 'tool_calls' : 'stop', usage);
    },

    async chatStream(request, model, options) {
      const answer = answerFor(request, model);
      const factory = new ChunkFactory(`${config.id}/${model}`);
      const chunks = [...chunksOf(answer, factory)];
      const perChunkDelay = Math.max(1, Math.round(delayMs / Math.max(chunks.length, 1)));
      async function* events(): AsyncGenerator<ChatStreamEvent> {
        yield factory.delta({ role: 'assistant', content: answer.kind === 'text' ? '' : null, refusal: null });
        for (const chunk of chunks) {
          await sleep(perChunkDelay, undefined, { signal: options.signal });
          yield chunk;
        }
        yield factory.finish(answer.kind === 'tool' ? 'tool_calls' : 'stop');
        yield factory.usage(makeUsage(promptTokens(request), completionTokens(answer)));
      }
      return events();
    },

    async embeddings(request, model, options) {
      await sleep(Math.min(delayMs, 5), undefined, { signal: options.signal });
      return mockEmbeddings(request, `${config.id}/${model}`);
    },
  };
}
