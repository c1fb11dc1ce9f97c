// What OpenAI's schema requires and OpenAI-wire servers (Ollama, vLLM, LM Studio) leave out is filled in by the
// adapter: refusal and logprobs (null) in completions, finish_reason (null) in chunks. A chunk that already conforms
// is forwarded as the upstream's own bytes; only a non-conforming one is re-serialised.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { badUpstreamResponse } from '../../../src/errors.js';
import { conformChunk, conformCompletion } from '../../../src/providers/openai-compatible/conform.js';
import { OpenAIWireStream } from '../../../src/providers/openai-compatible/stream.js';
import type { ChatStreamEvent } from '../../../src/providers/provider.js';
import type { ChatCompletion, ChatCompletionChunk } from '../../../src/schemas/chat-response.js';
import type { UpstreamResponse } from '../../../src/upstream/http.js';
import { expectOpenAI } from '../../helpers/openai-schema.js';

const bare = (choice: Record<string, unknown>) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, ...choice }] });

async function events(payloads: unknown[]): Promise<ChatStreamEvent[]> {
  const text = payloads.map((p) => `data: ${JSON.stringify(p)}\n\n`).join('') + 'data: [DONE]\n\n';
  const body = Object.assign(Readable.from([Buffer.from(text)]), { dump: async () => undefined });
  const res = { status: 200, headers: {}, body, bodyTimeoutMs: 1000 } as unknown as UpstreamResponse;
  const out: ChatStreamEvent[] = [];
  for await (const event of new OpenAIWireStream(res, 'up', { capabilities: () => { throw new Error('unused'); } }, (d) => badUpstreamResponse('up', d))) out.push(event);
  return out;
}

describe('OpenAI-wire stream chunks', () => {
  it('forwards a conforming chunk as the upstream bytes and re-serialises one without finish_reason', async () => {
    const conforming = bare({ delta: { role: 'assistant', content: 'a' }, finish_reason: null });
    const missing = bare({ delta: { content: 'b' } }); // Ollama-style: no finish_reason, no logprobs
    const [first, second] = await events([conforming, missing, bare({ delta: {}, finish_reason: 'stop' })]);
    expect(first!.raw).toBe(JSON.stringify(conforming));
    expect(second!.raw).toBeUndefined();
    expect(second!.chunk.choices[0]).toMatchObject({ finish_reason: null, delta: { content: 'b' } });
    for (const event of [first!, second!]) expectOpenAI('CreateChatCompletionStreamResponse', event.raw === undefined ? event.chunk : JSON.parse(event.raw));
  });

  it('returns the same chunk when nothing is missing (the hot path allocates nothing)', () => {
    const chunk = bare({ delta: { content: 'x' }, finish_reason: null }) as ChatCompletionChunk;
    expect(conformChunk(chunk)).toBe(chunk);
  });
});

describe('OpenAI-wire completions', () => {
  const completion = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, finish_reason: 'stop', ...choice }], ...extra }) as ChatCompletion;

  it('fills message.refusal and logprobs with null and drops a null usage', () => {
    const filled = conformCompletion(completion({ message: { role: 'assistant', content: 'hi' } }, { usage: null }));
    expect(filled.choices[0]).toMatchObject({ logprobs: null, message: { refusal: null, content: 'hi' } });
    expect(filled).not.toHaveProperty('usage');
    expectOpenAI('CreateChatCompletionResponse', filled);
  });

  it('returns the same completion when it already conforms', () => {
    const whole = completion({ message: { role: 'assistant', content: 'hi', refusal: null }, logprobs: null });
    expect(conformCompletion(whole)).toBe(whole);
  });
});
