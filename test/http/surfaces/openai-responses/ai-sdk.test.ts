// The Vercel AI SDK with its defaults: `createOpenAI({ baseURL, apiKey })(model)` speaks the Responses API.
// generateText, streamText, a tool loop over several steps, generateObject — all through the gateway's bridge.
import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TestGateway } from '../../../helpers/gateway.js';
import { GATEWAY_KEY, MODEL, chatBodies, script, startBridge, startMockGateway, type Bridge, START_TIMEOUT_MS } from './harness.js';

let bridge: Bridge;
let mock: TestGateway;

beforeAll(async () => {
  bridge = await startBridge();
  mock = await startMockGateway();
}, START_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([bridge?.close(), mock?.close()]);
});

const openaiAt = (gateway: TestGateway) => createOpenAI({ baseURL: gateway.baseURL, apiKey: GATEWAY_KEY });

describe('AI SDK default openai(model) → /v1/responses', () => {
  it('generateText', async () => {
    const result = await generateText({ model: openaiAt(mock)('mock/echo'), prompt: 'hello from the ai sdk', maxRetries: 0 });
    expect(result.text).toBe('hello from the ai sdk');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBe(5);
    expect(result.response.id).toMatch(/^resp_/);
  });

  it('streamText', async () => {
    const result = streamText({ model: openaiAt(mock)('mock/echo'), prompt: 'streamed words arrive in order', maxRetries: 0 });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces.join('')).toBe('streamed words arrive in order');
    expect(pieces.length).toBeGreaterThan(1);
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).outputTokens).toBe(5);
  });

  const weather = tool({
    description: 'Weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, temp_c: city === 'Paris' ? 21 : 9 }),
  });

  for (const mode of ['generateText', 'streamText'] as const) {
    it(`tools over several steps (${mode}, stopWhen: stepCountIs(3))`, async () => {
      const before = chatBodies(bridge.fake).length;
      script(bridge.fake, { toolCalls: [{ id: 'call_p', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] });
      script(bridge.fake, { toolCalls: [{ id: 'call_o', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] });
      script(bridge.fake, { text: 'Paris 21°C, Oslo 9°C.' });
      const options = { model: openaiAt(bridge.gateway)(MODEL), tools: { weather }, stopWhen: stepCountIs(3), prompt: 'Weather in Paris and Oslo?', maxRetries: 0 };
      let text: string;
      let steps: number;
      if (mode === 'generateText') {
        const result = await generateText(options);
        text = result.text;
        steps = result.steps.length;
      } else {
        const result = streamText(options);
        text = await result.text;
        steps = (await result.steps).length;
      }
      expect(text).toBe('Paris 21°C, Oslo 9°C.');
      expect(steps).toBe(3);
      const sent = chatBodies(bridge.fake).slice(before);
      expect(sent).toHaveLength(3);
      expect(sent[0]?.tools).toMatchObject([{ type: 'function', function: { name: 'weather' } }]);
      expect(sent[2]?.messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Oslo?' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_p', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_p', content: '{"city":"Paris","temp_c":21}' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_o', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'call_o', content: '{"city":"Oslo","temp_c":9}' },
      ]);
    });
  }

  it('generateObject', async () => {
    script(bridge.fake, { text: '{"name":"Ada","languages":["en","fr"]}' });
    const { object } = await generateObject({
      model: openaiAt(bridge.gateway)(MODEL),
      schema: z.object({ name: z.string(), languages: z.array(z.string()) }),
      prompt: 'A person',
      maxRetries: 0,
    });
    expect(object).toEqual({ name: 'Ada', languages: ['en', 'fr'] });
    expect(chatBodies(bridge.fake).at(-1)).toMatchObject({ response_format: { type: 'json_schema', json_schema: { schema: { type: 'object', required: ['name', 'languages'] } } } });
  });
});
