// The OpenAI Agents SDK with its defaults (the Responses model over a default OpenAI client pointed at the
// gateway): a run with a function tool, streamed and not. Tracing is off so nothing leaves the loopback.
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GATEWAY_KEY, MODEL, chatBodies, script, startBridge, type Bridge, START_TIMEOUT_MS } from './harness.js';

let bridge: Bridge;

beforeAll(async () => {
  bridge = await startBridge();
  setTracingDisabled(true);
  setDefaultOpenAIClient(new OpenAI({ apiKey: GATEWAY_KEY, baseURL: bridge.gateway.baseURL, maxRetries: 0 }));
}, START_TIMEOUT_MS);

afterAll(async () => {
  await bridge?.close();
});

const lookups: string[] = [];
const getWeather = tool({
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => {
    lookups.push(city);
    return `${city}: 18°C and sunny`;
  },
});

const agent = new Agent({ name: 'Forecaster', instructions: 'Answer with the weather tool.', model: MODEL, tools: [getWeather] });

describe('@openai/agents run() through /v1/responses', () => {
  for (const stream of [false, true]) {
    it(`a run with a tool call, then the final answer (${stream ? 'streamed' : 'not streamed'})`, async () => {
      const before = chatBodies(bridge.fake).length;
      lookups.length = 0;
      script(bridge.fake, { toolCalls: [{ id: `call_agent_${stream}`, function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] });
      script(bridge.fake, { text: 'Lisbon is 18°C and sunny.' });
      let finalOutput: unknown;
      if (stream) {
        const result = await run(agent, 'Weather in Lisbon?', { stream: true });
        let deltas = '';
        for await (const event of result) {
          if (event.type === 'raw_model_stream_event' && event.data.type === 'output_text_delta') deltas += event.data.delta;
        }
        await result.completed;
        expect(deltas).toBe('Lisbon is 18°C and sunny.');
        finalOutput = result.finalOutput;
      } else {
        finalOutput = (await run(agent, 'Weather in Lisbon?')).finalOutput;
      }
      expect(finalOutput).toBe('Lisbon is 18°C and sunny.');
      expect(lookups).toEqual(['Lisbon']);
      const sent = chatBodies(bridge.fake).slice(before);
      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatchObject({ stream, messages: [{ role: 'system', content: 'Answer with the weather tool.' }, { role: 'user', content: 'Weather in Lisbon?' }] });
      expect(sent[0]?.tools).toMatchObject([{ type: 'function', function: { name: 'get_weather', strict: true } }]);
      expect(sent[1]?.messages).toMatchObject([
        { role: 'system' },
        { role: 'user', content: 'Weather in Lisbon?' },
        { role: 'assistant', tool_calls: [{ id: `call_agent_${stream}`, function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] },
        { role: 'tool', tool_call_id: `call_agent_${stream}`, content: 'Lisbon: 18°C and sunny' },
      ]);
    });
  }
});
