// The counting fake itself: what the multi-replica tests conclude from its counts must be what happened on the wire.
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCountingUpstream, type CountingUpstream } from './counting-upstream.js';

let fake: CountingUpstream;
let client: OpenAI;

beforeAll(async () => {
  fake = await startCountingUpstream();
  client = new OpenAI({ apiKey: 'unused', baseURL: fake.baseUrl, maxRetries: 0 });
});

afterAll(() => fake.close());

it('counts calls in flight per model and the most seen at once', async () => {
  fake.behave('slow', { delayMs: 1_000 });
  const calls = Array.from({ length: 4 }, () => client.chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] }));
  for (let i = 0; i < 100 && fake.counts('slow').calls < 4; i++) await new Promise((r) => setTimeout(r, 5));
  expect(fake.counts('slow')).toEqual({ calls: 4, inFlight: 4, maxInFlight: 4 });
  expect(fake.counts('other').calls).toBe(0);
  await Promise.all(calls);
  expect(fake.counts('slow')).toEqual({ calls: 4, inFlight: 0, maxInFlight: 4 });
});

it('streams the configured chunks and reports the configured usage when asked', async () => {
  fake.behave('streamer', { chunks: 4, usage: { prompt_tokens: 7, completion_tokens: 1000, total_tokens: 1007 } });
  const stream = await client.chat.completions.create({ model: 'streamer', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    usage = chunk.usage ?? usage;
  }
  expect(text).toBe('w0 w1 w2 w3 ');
  expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 1000 });
});

it('stops counting a call when the client goes away mid-stream', async () => {
  fake.behave('cut', { chunks: 50, chunkDelayMs: 50 });
  const abort = new AbortController();
  const res = await fetch(`${fake.baseUrl}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: 'cut', stream: true, messages: [] }),
    signal: abort.signal,
  });
  await res.body!.getReader().read();
  expect(fake.counts('cut').inFlight).toBe(1);
  abort.abort();
  for (let i = 0; i < 50 && fake.counts('cut').inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(fake.counts('cut')).toMatchObject({ inFlight: 0, maxInFlight: 1 });
});
