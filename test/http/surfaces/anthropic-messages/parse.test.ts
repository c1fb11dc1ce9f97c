// Messages request → internal chat model: every block kind, tool-result order, thinking kept off the wire, and
// the 400s (with `param`) for what the surface refuses.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../src/errors.js';
import { anthropicMessagesSurface } from '../../../../src/http/surfaces/anthropic-messages/index.js';
import { effortForThinking, type MessagesExtras } from '../../../../src/http/surfaces/anthropic-messages/parse.js';
import { thinkingBlocksOf } from '../../../../src/schemas/signed-thinking.js';

const parse = (body: unknown, headers: Record<string, string> = {}) => anthropicMessagesSurface.parse(body, headers);
const base = { model: 'claude-sonnet-4-5', max_tokens: 256 };

function refusal(body: unknown): GatewayError {
  try {
    parse(body);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected the body to be refused');
}

describe('parse: Messages → ChatRequest', () => {
  it('translates system blocks, sampling, stop sequences, metadata and stream', () => {
    const parsed = parse(
      {
        ...base,
        system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Answer in French.' }],
        messages: [{ role: 'user', content: 'Capital of France?' }],
        stop_sequences: ['\n\nHuman:'],
        temperature: 0.3,
        top_p: 0.9,
        top_k: 40,
        metadata: { user_id: 'user-7' },
        stream: true,
      },
      { 'x-session-id': 'sess-1' },
    );
    expect(parsed.stream).toBe(true);
    expect(parsed.includeUsage).toBe(true);
    expect(parsed.sessionId).toBe('sess-1');
    expect(parsed.chat).toMatchInlineSnapshot(`
      {
        "max_tokens": 256,
        "messages": [
          {
            "content": "You are terse.

      Answer in French.",
            "role": "system",
          },
          {
            "content": "Capital of France?",
            "role": "user",
          },
        ],
        "model": "claude-sonnet-4-5",
        "stop": [
          "

      Human:",
        ],
        "stream": true,
        "temperature": 0.3,
        "top_p": 0.9,
        "user": "user-7",
      }
    `);
    // top_k has no Chat field: it stays only in the parsed body kept for the pass-through.
    expect((parsed.extras as MessagesExtras).body.top_k).toBe(40);
  });

  it('puts tool results first, in order, then the user text and media of that turn', () => {
    const { chat } = parse({
      ...base,
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Tokyo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Also, which is warmer?' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_2',
              is_error: true,
              content: [{ type: 'text', text: 'service down' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0K' } }],
            },
          ],
        },
      ],
    });
    expect(chat.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Tokyo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: service down' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Also, which is warmer?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } },
        ],
      },
    ]);
  });

  it('turns images and documents into chat parts', () => {
    const { chat } = parse({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
            { type: 'document', title: 'spec.pdf', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' } },
            { type: 'document', title: 'Notes', source: { type: 'text', media_type: 'text/plain', data: 'line one' } },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'chunk' }] } },
          ],
        },
      ],
    });
    expect(chat.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'spec.pdf' } },
        { type: 'text', text: 'Notes\n\nline one' },
        { type: 'text', text: 'chunk' },
      ],
    });
  });

  it('keeps thinking as reasoning_content plus signed blocks that never serialise', () => {
    const { chat } = parse({
      ...base,
      thinking: { type: 'enabled', budget_tokens: 10_000 },
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me think.', signature: 'sig-abc' },
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'tool_use', id: 'toolu_9', name: 'ls', input: {} },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'a.txt' }] },
      ],
    });
    expect(chat.reasoning_effort).toBe('medium');
    const assistant = chat.messages[1]!;
    expect(assistant).toMatchObject({ role: 'assistant', content: null, reasoning_content: 'Let me think.' });
    expect(thinkingBlocksOf(assistant)).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'sig-abc' },
      { type: 'redacted_thinking', data: 'opaque' },
    ]);
    // What an OpenAI-wire adapter sends is JSON.stringify of the request: no signature in it, even after a spread.
    expect(JSON.stringify({ ...chat, messages: chat.messages.map((m) => ({ ...m })) })).not.toContain('sig-abc');
    expect(thinkingBlocksOf({ ...assistant })).toHaveLength(2);
  });

  it('maps tools and every tool_choice', () => {
    const tools = [{ name: 'weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, cache_control: { type: 'ephemeral' } }];
    const messages = [{ role: 'user', content: 'x' }];
    const choice = (tool_choice: unknown) => parse({ ...base, messages, tools, tool_choice }).chat;
    expect(choice(undefined).tools).toEqual([{ type: 'function', function: { name: 'weather', description: 'Weather', parameters: tools[0]!.input_schema } }]);
    expect(choice({ type: 'auto' }).tool_choice).toBe('auto');
    expect(choice({ type: 'any' }).tool_choice).toBe('required');
    expect(choice({ type: 'none' }).tool_choice).toBe('none');
    expect(choice({ type: 'tool', name: 'weather' }).tool_choice).toEqual({ type: 'function', function: { name: 'weather' } });
    expect(choice({ type: 'auto', disable_parallel_tool_use: true }).parallel_tool_calls).toBe(false);
    expect(choice({ type: 'auto' }).parallel_tool_calls).toBeUndefined();
  });

  it('maps thinking budgets to efforts', () => {
    expect(effortForThinking({ type: 'enabled', budget_tokens: 1024 })).toBe('low');
    expect(effortForThinking({ type: 'enabled', budget_tokens: 4000 })).toBe('low');
    expect(effortForThinking({ type: 'enabled', budget_tokens: 8192 })).toBe('medium');
    expect(effortForThinking({ type: 'enabled', budget_tokens: 31_999 })).toBe('high');
    expect(effortForThinking({ type: 'adaptive' })).toBe('medium');
    expect(effortForThinking({ type: 'disabled' })).toBeUndefined();
    expect(parse({ ...base, messages: [{ role: 'user', content: 'x' }], thinking: { type: 'disabled' } }).chat.reasoning_effort).toBeUndefined();
  });
});

describe('parse: refusals', () => {
  const user = [{ role: 'user', content: 'x' }];

  it('a missing max_tokens is a 400 naming it', () => {
    const err = refusal({ model: 'claude-sonnet-4-5', messages: user });
    expect([err.status, err.param, err.code]).toEqual([400, 'max_tokens', 'missing_required_parameter']);
  });

  // Since the pass-through, a server tool is refused only where the request must be translated (the route stage
  // throws `untranslatable` for a non-native target), so parse returns the refusal instead of throwing it.
  it('server tools are a clear invalid_request_error for translated targets', () => {
    const err = parse({ ...base, messages: user, tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] }).untranslatable!;
    expect([err.status, err.param, err.code]).toEqual([400, 'tools[0].type', 'unsupported_tool']);
    expect(err.message).toContain("'web_search_20250305'");
    expect(parse({ ...base, messages: user, tools: [{ name: 'f', input_schema: {} }, { type: 'bash_20250124', name: 'bash' }] }).untranslatable?.param).toBe('tools[1].type');
    expect(parse({ ...base, messages: user, tools: [{ name: 'f', input_schema: {} }] }).untranslatable).toBeUndefined();
  });

  it('unknown block types, misplaced blocks and untranslatable sources name the field', () => {
    expect(refusal({ ...base, messages: [{ role: 'user', content: [{ type: 'hologram' }] }] }).param).toBe('messages[0].content[0].type');
    expect(refusal({ ...base, messages: [{ role: 'user', content: [{ type: 'thinking', thinking: 't', signature: 's' }] }] }).param).toBe('messages[0].content[0].type');
    expect(refusal({ ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 'x' }] }] }).param).toBe('messages[0].content[0].type');
    const url = refusal({ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://x/a.pdf' } }] }] });
    expect([url.status, url.param]).toEqual([400, 'messages[0].content[0].source']);
    expect(refusal({ ...base, messages: [{ role: 'user', content: [] }] }).param).toBe('messages[0].content');
    expect(refusal({ ...base, messages: user, temperature: 1.5 }).param).toBe('temperature');
  });
});
