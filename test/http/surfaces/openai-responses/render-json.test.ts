// Chat completions → the Response object: item kinds and order, statuses, usage, and the request echoed back.
import { describe, expect, it } from 'vitest';
import { makeCompletion } from '../../../../src/providers/chunks.js';
import { makeUsage, type CompletionMessage } from '../../../../src/schemas/chat-response.js';
import { newResponseHex } from '../../../../src/http/surfaces/openai-responses/response-object.js';
import { responsesSurface } from '../../../../src/http/surfaces/openai-responses/surface.js';
import { expectSchema } from '../../../helpers/openai-schema.js';

type Json = Record<string, unknown>;

function render(message: CompletionMessage, finish: 'stop' | 'length' | 'tool_calls' | 'content_filter', body: Json = {}) {
  const { extras } = responsesSurface.parse({ model: 'anthropic/claude-sonnet-4-5', input: 'x', ...body }, {});
  const completion = makeCompletion('claude-sonnet-4-5', message, finish, makeUsage(10, 6, { cached: 3, reasoning: 2 }));
  const response = responsesSurface.renderJson(completion, { requestId: 'r', createdAt: 1_700_000_123, model: 'anthropic/claude-sonnet-4-5', extras }) as Json & { output: Json[] };
  expectSchema('Response', response);
  return response;
}

describe('renderJson', () => {
  it('text: one completed message, usage mapped, parameters echoed with OpenAI defaults', () => {
    const response = render({ role: 'assistant', content: 'Paris.' }, 'stop', { instructions: 'brief', metadata: { team: 'a' }, user: 'u1' });
    expect(response).toMatchObject({
      object: 'response',
      created_at: 1_700_000_123,
      status: 'completed',
      error: null,
      incomplete_details: null,
      model: 'anthropic/claude-sonnet-4-5',
      instructions: 'brief',
      metadata: { team: 'a' },
      user: 'u1',
      parallel_tool_calls: true,
      tool_choice: 'auto',
      tools: [],
      temperature: 1,
      top_p: 1,
      store: true,
      truncation: 'disabled',
      text: { format: { type: 'text' } },
      reasoning: { effort: null, summary: null },
      usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 3, cache_write_tokens: 0 }, output_tokens: 6, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 16 },
    });
    expect(response.id).toMatch(/^resp_[0-9a-f]{40}$/);
    expect(response.completed_at).toEqual(expect.any(Number));
    expect(response.output).toEqual([
      { id: expect.stringMatching(/^msg_/), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Paris.', annotations: [], logprobs: [] }] },
    ]);
  });

  it('reasoning, then tool calls only: no message item, function_call items with call ids', () => {
    const response = render(
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'Need weather.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      'tool_calls',
    );
    expect(response.output.map((i) => i.type)).toEqual(['reasoning', 'function_call', 'function_call']);
    expect(response.output[0]).toMatchObject({ id: expect.stringMatching(/^rs_/), summary: [{ type: 'summary_text', text: 'Need weather.' }] });
    expect(response.output[1]).toEqual({ id: expect.stringMatching(/^fc_/), type: 'function_call', status: 'completed', arguments: '{"city":"Paris"}', call_id: 'toolu_1', name: 'get_weather' });
    expect(new Set(response.output.map((i) => i.id)).size).toBe(3);
  });

  it('a length cut is incomplete with reason max_output_tokens; a filter, content_filter', () => {
    expect(render({ role: 'assistant', content: 'Par' }, 'length', { max_output_tokens: 1 })).toMatchObject({
      status: 'incomplete',
      completed_at: null,
      incomplete_details: { reason: 'max_output_tokens' },
      max_output_tokens: 1,
      output: [{ status: 'incomplete' }],
    });
    expect(render({ role: 'assistant', content: '' }, 'content_filter')).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
  });

  it('a refusal is a refusal content part', () => {
    expect(render({ role: 'assistant', content: null, refusal: 'I cannot help.' }, 'stop').output).toMatchObject([{ type: 'message', content: [{ type: 'refusal', refusal: 'I cannot help.' }] }]);
  });
});

describe('newResponseHex', () => {
  it('gives 40 hex digits, never the same twice, across refills of its random pool', () => {
    const ids = Array.from({ length: 1_000 }, () => newResponseHex());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
