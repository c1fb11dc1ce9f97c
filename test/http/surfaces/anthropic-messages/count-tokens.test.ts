// The count_tokens estimate: ≈4 characters per token over system, every block kind and tools, a flat allowance per
// image or PDF.
import { describe, expect, it } from 'vitest';
import { MEDIA_TOKENS, estimateInputTokens } from '../../../../src/http/surfaces/anthropic-messages/count-tokens.js';
import { countTokensRequestSchema } from '../../../../src/http/surfaces/anthropic-messages/wire.js';

const estimate = (body: unknown) => estimateInputTokens(countTokensRequestSchema.parse(body));

describe('estimateInputTokens', () => {
  it('counts four characters a token over system and message text, rounding up', () => {
    expect(estimate({ model: 'm', system: 'abcd'.repeat(5), messages: [{ role: 'user', content: 'abcd'.repeat(10) + 'x' }] })).toBe(16);
    expect(estimate({ model: 'm', system: [{ type: 'text', text: 'abcdefgh' }], messages: [{ role: 'user', content: 'abcd' }] })).toBe(3);
  });

  it('counts tool calls, tool results, thinking and tool definitions', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'x'.repeat(40), signature: 'sig' },
            { type: 'tool_use', id: 't1', name: 'ls', input: { path: '/tmp' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'y'.repeat(40) }] }] },
      ],
      tools: [{ name: 'ls', description: 'list', input_schema: { type: 'object' } }],
    };
    const chars = 2 + 40 + 'ls'.length + JSON.stringify({ path: '/tmp' }).length + 40 + 'ls'.length + 'list'.length + JSON.stringify({ type: 'object' }).length;
    expect(estimate(body)).toBe(Math.ceil(chars / 4));
  });

  it('adds a flat allowance per image and PDF instead of counting base64', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(40_000) } };
    const pdf = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'B'.repeat(40_000) } };
    expect(estimate({ model: 'm', messages: [{ role: 'user', content: [image, pdf, { type: 'text', text: 'abcd' }] }] })).toBe(2 * MEDIA_TOKENS + 1);
  });
});
