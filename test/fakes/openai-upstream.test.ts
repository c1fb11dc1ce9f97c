// Proves the fake OpenAI upstream faithful: the real `openai` client (v6) talks to it as it would to OpenAI.
import OpenAI, { BadRequestError, RateLimitError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunkBody, completionBody, openAIErrorBody, startFakeOpenAI, usageBody, usageChunkBody, type FakeUpstream } from './openai-upstream.js';

let fake: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-fake' });
  client = new OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseUrl, maxRetries: 0, timeout: 5000 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('fake OpenAI upstream with the openai client', () => {
  it('answers chat.completions.create with a completion echoing the last user message', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping pong' }] });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]?.message.content).toBe('ping pong');
    expect(res.usage?.total_tokens).toBe(7);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { model: 'gpt-4o-mini' } });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-fake');
  });

  it('streams with include_usage: text chunks, finish chunk, then a choices:[] usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finish: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish.push(chunk.choices[0].finish_reason);
      if (chunk.usage) {
        expect(chunk.choices).toEqual([]);
        usage = chunk.usage;
      }
    }
    expect(text).toBe('one two three');
    expect(finish).toEqual(['stop']);
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  it('serves scripted tool calls as JSON', async () => {
    fake.enqueue({ json: completionBody({ content: null, toolCalls: [{ id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }) });
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    });
    const call = res.choices[0]?.message.tool_calls?.[0];
    expect(res.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' ? call.function : undefined).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  });

  it('streams scripted tool-call fragments that the client assembles by index', async () => {
    fake.enqueue({
      sse: [
        chunkBody({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        chunkBody({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        ': keep-alive\r\n\r\n',
        chunkBody({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        chunkBody({}, { finishReason: 'tool_calls' }),
        usageChunkBody(usageBody(10, 5)),
      ],
    });
    const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'weather?' }], stream_options: { include_usage: true } });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function : undefined).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.usage?.total_tokens).toBe(15);
  });

  it('lists models and retrieves one', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']);
    expect((await client.models.retrieve('gpt-4o')).id).toBe('gpt-4o');
    fake.setModels(['only-one']);
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['only-one']);
  });

  it('answers embeddings', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'bb'], encoding_format: 'float' });
    expect(res.data).toHaveLength(2);
    expect(res.data[1]?.index).toBe(1);
  });

  it('turns error statuses into the matching APIError subclasses', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'x' }];
    fake.enqueue({ status: 429, headers: { 'retry-after': '7' }, json: openAIErrorBody('Rate limit reached', 'requests', 'rate_limit_exceeded') });
    const rate = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(OpenAI.RateLimitError);
    expect((rate as RateLimitError).headers.get('retry-after')).toBe('7');

    fake.enqueue({ status: 400, json: openAIErrorBody("Unsupported parameter: 'max_tokens'", 'invalid_request_error', 'unsupported_parameter', 'max_tokens') });
    const bad = await client.chat.completions.create({ model: 'o3', messages, max_tokens: 5 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as BadRequestError).param).toBe('max_tokens');

    const unauthenticated = new OpenAI({ apiKey: 'wrong', baseURL: fake.baseUrl, maxRetries: 0 });
    await expect(unauthenticated.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('sends an error object inside a 200 stream, which the client raises', async () => {
    fake.enqueue({ sse: [chunkBody({ role: 'assistant', content: 'Hel' }), { error: { message: 'overloaded mid-stream', type: 'server_error' } }], done: false });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(seen).toEqual(['Hel']);
  });

  it('resets the connection mid-body and records aborted requests', async () => {
    fake.enqueue({ sse: [chunkBody({ role: 'assistant', content: 'Hel' })], done: false, then: 'destroy' });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true });
    await expect(
      (async () => {
        for await (const _chunk of stream) {
          // drain
        }
      })(),
    ).rejects.toThrow();
    expect(fake.requests[0]?.aborted).toBe(false);

    fake.enqueue({ fault: 'hang' });
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal });
    await fake.waitForRequests(2);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await expect.poll(() => fake.requests[1]?.aborted).toBe(true);
  });

  it('keeps GET discovery away from queued POST replies', async () => {
    fake.enqueue({ status: 500, json: openAIErrorBody('boom', 'server_error') });
    await client.models.list();
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    fake.enqueue({ status: 503, json: openAIErrorBody('down', 'server_error') }, { method: 'GET', path: '/models' });
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.APIError);
  });
});
