// LangChain's ChatOpenAI with useResponsesApi (what LangChain also switches on by itself for built-in tools and some
// model names) against the gateway's /v1/responses bridge in front of a scripted OpenAI-wire upstream: invoke,
// stream, and a bound tool's call and its result sent back.
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatBodies, GATEWAY_KEY, MODEL, script, START_TIMEOUT_MS, startBridge, type Bridge } from '../http/surfaces/openai-responses/harness.js';

let bridge: Bridge;
let model: ChatOpenAI;
beforeAll(async () => {
  bridge = await startBridge();
  model = new ChatOpenAI({ model: MODEL, apiKey: GATEWAY_KEY, useResponsesApi: true, maxRetries: 0, configuration: { baseURL: bridge.gateway.baseURL } });
}, START_TIMEOUT_MS);
afterAll(() => bridge?.close());

const responsesCalls = () => bridge.fake.requests.length;

describe('LangChain ChatOpenAI({ useResponsesApi: true })', () => {
  it('invoke: the text, the usage, and the call went to /v1/responses (bridged to chat upstream)', async () => {
    script(bridge.fake, { text: 'Paris.' });
    const before = responsesCalls();
    const answer = await model.invoke([new HumanMessage('Capital of France?')]);
    expect(answer.text).toBe('Paris.');
    expect(answer.usage_metadata).toMatchObject({ input_tokens: 12, output_tokens: 7, total_tokens: 19 });
    expect(answer.response_metadata).toMatchObject({ object: 'response', status: 'completed' });
    expect(responsesCalls() - before).toBe(1);
    expect(chatBodies(bridge.fake).at(-1)?.messages).toEqual([{ role: 'user', content: 'Capital of France?' }]);
  });

  it('stream: the deltas in order, assembled to the whole text with usage', async () => {
    script(bridge.fake, { text: 'Lyon and Marseille.' });
    const pieces: string[] = [];
    let total: Awaited<ReturnType<typeof model.invoke>> | undefined;
    for await (const chunk of await model.stream('Two more cities?')) {
      if (chunk.text) pieces.push(chunk.text);
      total = total ? (total.concat(chunk) as typeof total) : chunk;
    }
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(pieces.join('')).toBe('Lyon and Marseille.');
    expect(total?.usage_metadata).toMatchObject({ input_tokens: 12, output_tokens: 7 });
  });

  it('bindTools: the tool call comes back parsed, and its result goes upstream as a tool message', async () => {
    const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
    const withTools = model.bindTools([weather]);
    script(bridge.fake, { toolCalls: [{ id: 'call_lc1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] });
    const call = await withTools.invoke([new HumanMessage('Weather in Paris?')]);
    expect(call.tool_calls).toEqual([expect.objectContaining({ id: 'call_lc1', name: 'get_weather', args: { city: 'Paris' } })]);
    expect(chatBodies(bridge.fake).at(-1)?.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: weather.function.parameters } }]);

    script(bridge.fake, { text: 'Sunny, 21°C.' });
    const answer = await withTools.invoke([new HumanMessage('Weather in Paris?'), call as AIMessage, new ToolMessage({ tool_call_id: 'call_lc1', content: 'sunny, 21C' })]);
    expect(answer.text).toBe('Sunny, 21°C.');
    expect(chatBodies(bridge.fake).at(-1)?.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_lc1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_lc1', content: 'sunny, 21C' },
    ]);
  });
});
