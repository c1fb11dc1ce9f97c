// Pure preset translators: each returns its input untouched when nothing needs changing (the stream hot path), and
// rewrites exactly what the vendor needs otherwise.
import { describe, expect, it } from 'vitest';
import { chatCompletionChunkSchema, type ChatCompletionChunk } from '../../../src/schemas/chat-response.js';
import { toOpenAIBody } from '../../../src/providers/openai-compatible/presets/openai.js';
import { deepseekUsage, stripHistoryReasoning } from '../../../src/providers/openai-compatible/presets/deepseek.js';
import { fromMistralChunk, fromMistralCompletion, splitMistralContent } from '../../../src/providers/openai-compatible/presets/mistral/response.js';
import { withoutToolChoice } from '../../../src/providers/openai-compatible/presets/ollama.js';
import { developerAsSystem, forNonOpenAIServer, reasoningAliasChunk } from '../../../src/providers/openai-compatible/presets/shared.js';
import { chatRequest, hello } from './helpers.js';

const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatCompletionChunk =>
  chatCompletionChunkSchema.parse({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });

describe('identity on the hot path', () => {
  it('returns the same object when nothing changes', () => {
    const plain = chunk({ content: 'hi' });
    expect(reasoningAliasChunk(plain)).toBe(plain);
    expect(fromMistralChunk(plain, 'mistral')).toBe(plain);
    const request = hello({ max_tokens: 5 });
    expect(toOpenAIBody({ ...request, model: 'gpt-4o' }).max_tokens).toBe(5);
    const body = { ...request, model: 'gpt-4o' };
    expect(toOpenAIBody(body)).toBe(body);
    expect(forNonOpenAIServer(request)).toBe(request);
    expect(developerAsSystem(request.messages)).toBe(request.messages);
    expect(stripHistoryReasoning(request.messages)).toBe(request.messages);
    expect(withoutToolChoice(request)).toBe(request);
    const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    expect(deepseekUsage(usage)).toBe(usage);
  });
});

describe('mistral response rewrites', () => {
  it('splits mixed content arrays, accepting bare strings', () => {
    expect(splitMistralContent(['a', { type: 'thinking', thinking: [{ type: 'text', text: 't1' }, 't2'] }, { type: 'text', text: 'b' }, { type: 'reference', ids: [1] }])).toEqual({ text: 'ab', thinking: 't1t2' });
  });

  it('omits content from a thinking-only delta and gives null content to a thinking-only message', () => {
    const delta = fromMistralChunk({ choices: [{ index: 0, delta: { content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] }] } }] }, 'mistral');
    expect(delta).toStrictEqual({ choices: [{ index: 0, delta: { reasoning_content: 'hmm' } }] });
    const message = fromMistralCompletion({ choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] }] }, finish_reason: 'stop' }] }, 'mistral');
    expect(message).toEqual({ choices: [{ index: 0, message: { role: 'assistant', content: null, reasoning_content: 'hmm' }, finish_reason: 'stop' }] });
  });

  it('leaves non-object input alone', () => {
    expect(fromMistralChunk('x', 'mistral')).toBe('x');
    expect(fromMistralChunk(null, 'mistral')).toBe(null);
  });
});

describe('request rewrites', () => {
  it('deepseek keeps all reasoning when no user message exists yet', () => {
    const { messages } = chatRequest({ messages: [{ role: 'system', content: 's' }, { role: 'assistant', content: 'a', reasoning_content: 'r' }] });
    expect(stripHistoryReasoning(messages)).toBe(messages);
  });

  it('ollama drops required/auto tool_choice but keeps the tools', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }];
    const out = withoutToolChoice(hello({ tools, tool_choice: 'required' }));
    expect(out).not.toHaveProperty('tool_choice');
    expect(out.tools).toHaveLength(1);
  });

  it('openai reasoning models match behind a router prefix, chat models do not', () => {
    expect(toOpenAIBody({ ...hello({ max_tokens: 9 }), model: 'openai/o4-mini' })).toMatchObject({ max_completion_tokens: 9 });
    expect(toOpenAIBody({ ...hello({ max_tokens: 9 }), model: 'gpt-4.1' })).toMatchObject({ max_tokens: 9 });
  });
});
