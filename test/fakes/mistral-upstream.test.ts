// Proves the fake upstream's Mistral mode faithful: the real @mistralai/mistralai client (v2) talks to it as to La Plateforme.
import { Mistral } from '@mistralai/mistralai';
import { HTTPValidationError, MistralError } from '@mistralai/mistralai/models/errors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunkBody, startFakeOpenAI, usageBody, type FakeUpstream } from './openai-upstream.js';

let fake: FakeUpstream;
let client: Mistral;

beforeAll(async () => {
  fake = await startFakeOpenAI({ mode: 'mistral', apiKey: 'mistral-key' });
  client = new Mistral({ apiKey: 'mistral-key', serverURL: fake.url, retryConfig: { strategy: 'none' } });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('fake upstream in Mistral mode with the Mistral client', () => {
  it('answers chat.complete, and the SDK body passes the strict field check', async () => {
    const res = await client.chat.complete({
      model: 'mistral-small-latest',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'bonjour' },
      ],
      randomSeed: 7,
      maxTokens: 20,
    });
    expect(res.choices[0]?.message?.content).toBe('bonjour');
    expect(res.usage?.totalTokens).toBe(7);
    expect(fake.requests[0]).toMatchObject({ path: '/v1/chat/completions', body: { random_seed: 7, max_tokens: 20, stream: false } });
  });

  it('streams a whole tool call in one chunk (no index, no type) with usage on the finish chunk', async () => {
    fake.enqueue({
      sse: [
        chunkBody({ role: 'assistant', content: '' }, { model: 'mistral-small-latest' }),
        chunkBody(
          { content: null, tool_calls: [{ id: 'gSIMJiOkT', function: { name: 'weather', arguments: '{"location": "Paris"}' } }] },
          { model: 'mistral-small-latest', finishReason: 'tool_calls', usage: usageBody(124, 22) },
        ),
      ],
    });
    const stream = await client.chat.stream({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
      toolChoice: 'any',
    });
    const calls: Array<{ id?: string; name: string; args: unknown }> = [];
    let finish: string | null | undefined;
    let total: number | undefined;
    for await (const event of stream) {
      for (const call of event.data.choices[0]?.delta.toolCalls ?? []) calls.push({ id: call.id, name: call.function.name, args: call.function.arguments });
      finish = event.data.choices[0]?.finishReason ?? finish;
      total = event.data.usage?.totalTokens ?? total;
    }
    expect(calls).toEqual([{ id: 'gSIMJiOkT', name: 'weather', args: '{"location": "Paris"}' }]);
    expect(finish).toBe('tool_calls');
    expect(total).toBe(146);
    expect(fake.requests[0]?.body).toMatchObject({ stream: true, tool_choice: 'any' });
  });

  it('streams an automatic answer with usage on the last chunk', async () => {
    const stream = await client.chat.stream({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'a b' }] });
    let text = '';
    let total: number | undefined;
    for await (const event of stream) {
      const content = event.data.choices[0]?.delta.content;
      if (typeof content === 'string') text += content;
      total = event.data.usage?.totalTokens ?? total;
    }
    expect(text).toBe('a b');
    expect(total).toBe(7);
  });

  it('surfaces error statuses as Mistral SDK errors', async () => {
    fake.enqueue({ status: 429, json: { object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', param: null, code: '1300' } });
    const limited = await client.chat.complete({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(MistralError);
    expect((limited as MistralError).statusCode).toBe(429);

    const wrongKey = new Mistral({ apiKey: 'nope', serverURL: fake.url, retryConfig: { strategy: 'none' } });
    const denied = await wrongKey.chat.complete({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((denied as MistralError).statusCode).toBe(401);
  });

  it('rejects a field Mistral does not know with its 422 extra_forbidden body', async () => {
    const res = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer mistral-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 32 }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ object: 'error', message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'max_completion_tokens'] }] } });

    fake.enqueue({ status: 422, json: { detail: [{ type: 'missing', loc: ['body', 'model'], msg: 'Field required', input: null }] } });
    const invalid = await client.chat.complete({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(HTTPValidationError);
    expect((invalid as HTTPValidationError).detail?.[0]?.msg).toBe('Field required');
  });

  it("answers embeddings.create with every field the SDK sends, and refuses OpenAI's `dimensions`", async () => {
    const res = await client.embeddings.create({ model: 'mistral-embed', inputs: ['a', 'bb'], outputDimension: 8, outputDtype: 'float', encodingFormat: 'float', metadata: { k: 'v' } });
    expect(res.data.map((d) => d.embedding?.length)).toEqual([3, 3]);
    expect(fake.requests[0]).toMatchObject({ path: '/v1/embeddings', body: { input: ['a', 'bb'], output_dimension: 8, encoding_format: 'float' } });
    const openAIShaped = await fetch(`${fake.baseUrl}/embeddings`, {
      method: 'POST',
      headers: { authorization: 'Bearer mistral-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mistral-embed', input: 'a', dimensions: 8 }),
    });
    expect(openAIShaped.status).toBe(422);
  });
});
