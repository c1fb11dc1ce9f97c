// The input-token estimate /v1/messages/count_tokens answers for every provider this round: ≈4 characters per
// token over system, messages and tools (OpenAI's and Anthropic's rule of thumb for English text and code), plus a
// flat allowance per image or PDF, whose real cost depends on pixels and pages the gateway does not decode.
import { CHARS_PER_TOKEN } from '../../../usage/estimate.js';
import type { ContentBlock, CountTokensRequest } from './wire.js';
/** Anthropic's documented cost of a ~1.15-megapixel image (width × height / 750), the size most clients send. */
export const MEDIA_TOKENS = 1600;

interface Tally {
  chars: number;
  media: number;
}

function addBlock(block: ContentBlock, tally: Tally): void {
  switch (block.type) {
    case 'text':
      tally.chars += block.text.length;
      return;
    case 'thinking':
      tally.chars += block.thinking.length;
      return;
    case 'redacted_thinking':
      tally.chars += block.data.length;
      return;
    case 'tool_use':
      tally.chars += block.name.length + JSON.stringify(block.input ?? {}).length;
      return;
    case 'tool_result':
      if (typeof block.content === 'string') tally.chars += block.content.length;
      else for (const inner of block.content ?? []) addBlock(inner, tally);
      return;
    case 'document':
      if (block.source.type === 'text') tally.chars += block.source.data.length;
      else if (block.source.type !== 'content') tally.media += 1;
      else if (typeof block.source.content === 'string') tally.chars += block.source.content.length;
      else for (const inner of block.source.content) addBlock(inner, tally);
      return;
    case 'image':
      tally.media += 1;
  }
}

export function estimateInputTokens(request: CountTokensRequest): number {
  const tally: Tally = { chars: 0, media: 0 };
  const system = request.system;
  if (typeof system === 'string') tally.chars += system.length;
  else for (const block of system ?? []) tally.chars += block.text.length;
  for (const message of request.messages) {
    if (typeof message.content === 'string') tally.chars += message.content.length;
    else for (const block of message.content) addBlock(block, tally);
  }
  for (const tool of request.tools ?? []) {
    tally.chars += tool.name.length + (tool.description?.length ?? 0) + (tool.input_schema ? JSON.stringify(tool.input_schema).length : 0);
  }
  return Math.max(1, Math.ceil(tally.chars / CHARS_PER_TOKEN) + tally.media * MEDIA_TOKENS);
}
