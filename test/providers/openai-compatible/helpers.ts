// Shared helpers for the OpenAI-wire preset tests: provider construction against the fake, fixture loading, stream collection.
import { chatRequestSchema, type ChatRequest } from '../../../src/schemas/chat-request.js';
import type { ChatCompletionChunk } from '../../../src/schemas/chat-response.js';
import { PROVIDER_KINDS } from '../../../src/providers/registry.js';
import type { CallOptions, ChatStreamEvent, Provider, ProviderConfig, ProviderType } from '../../../src/providers/provider.js';
import { createDispatcher } from '../../../src/upstream/http.js';
import type { FakeUpstream } from '../../fakes/openai-upstream.js';
import { ownFixture, sharedFixture } from '../../helpers/fixtures.js';

/**
 * This file's upstream agent (a live binding: read it at use, not once). Vitest runs many files in one process and
 * imports this module once for all of them, so a file closes only its own agent, with closeDispatcher().
 */
export let dispatcher = createDispatcher({ useEnvProxy: false });

/** For a file's afterAll: closes the agent the file used and opens a fresh one for the next file in this process. */
export async function closeDispatcher(): Promise<void> {
  const used = dispatcher;
  dispatcher = createDispatcher({ useEnvProxy: false });
  await used.close();
}

/** Recorded bodies from public sources, read in place from ../shared beside the repo (see test/helpers/fixtures.ts). */
export const reference = sharedFixture;

/** Our own fixtures, written in the vendors' real shapes: test/fixtures/<vendor>/<name>. */
export const own = ownFixture;
export const ownJson = (vendor: string, name: string): unknown => JSON.parse(own(vendor, name));

/** A `.chunks.jsonl` fixture (one SSE data payload per line, framing stripped) → SSE events for the fake. */
export const chunksToSse = (text: string, done = true): string[] => [
  ...text.split('\n').filter((line) => line.trim()).map((line) => `data: ${line}\n\n`),
  ...(done ? ['data: [DONE]\n\n'] : []),
];

export const callOptions = (signal: AbortSignal = new AbortController().signal): CallOptions => ({ signal, firstByteTimeoutMs: 3_000, idleTimeoutMs: 3_000 });

export const chatRequest = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ model: 'x', ...body });
export const hello = (extra: Record<string, unknown> = {}) => chatRequest({ messages: [{ role: 'user', content: 'Hello' }], ...extra });

export function makeProvider(type: Exclude<ProviderType, 'mock'>, fake: FakeUpstream, extra: Partial<ProviderConfig> = {}): Provider {
  return PROVIDER_KINDS[type].create({ id: type, type, baseUrl: fake.baseUrl, apiKey: 'test-key', ...extra }, { dispatcher });
}

export async function collectEvents(events: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

export async function collect(events: AsyncIterable<ChatStreamEvent>): Promise<ChatCompletionChunk[]> {
  return (await collectEvents(events)).map((e) => e.chunk);
}

/** What a client would assemble from the chunks: text, reasoning, tool calls by index, finish reason, usage. */
export function assemble(chunks: ChatCompletionChunk[]) {
  let content = '';
  let reasoning = '';
  let finish: string | null | undefined;
  let usage: ChatCompletionChunk['usage'];
  const calls: Array<{ id?: string; name: string; arguments: string }> = [];
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? '';
      reasoning += choice.delta.reasoning_content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
      for (const call of choice.delta.tool_calls ?? []) {
        const slot = (calls[call.index] ??= { name: '', arguments: '' });
        if (call.id) slot.id = call.id;
        if (call.function?.name) slot.name += call.function.name;
        slot.arguments += call.function?.arguments ?? '';
      }
    }
  }
  return { content, reasoning, finish, usage, calls };
}

/** Runs a promise expected to reject and returns the error (for status/code assertions). */
export async function failure(promise: Promise<unknown>): Promise<{ status: number; code: string | null; message: string; retryable: boolean; param: string | null; upstreamStatus?: number }> {
  try {
    await promise;
  } catch (err) {
    return err as { status: number; code: string | null; message: string; retryable: boolean; param: string | null; upstreamStatus?: number };
  }
  throw new Error('expected a rejection');
}
