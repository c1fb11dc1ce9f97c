// Anthropic answers → OpenAI shapes: completions, usage and stop reasons (wire doc §3.2, §9). Pure.
import { makeUsage, type ChatCompletion, type FinishReason, type Usage } from '../../schemas/chat-response.js';
import { makeCompletion } from '../chunks.js';
import type { AnthropicMessage, AnthropicUsage } from './wire.js';

/** Stop reasons per wire doc §3.2; `tool_use` becomes `stop` when the only tool used was our JSON-mode tool. */
export function mapAnthropicStopReason(reason: string | null | undefined, clientToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return clientToolCalls ? 'tool_calls' : 'stop';
    case 'refusal':
      return 'content_filter';
    default: // end_turn, stop_sequence, pause_turn, and values added later
      return 'stop';
  }
}

/** input_tokens excludes cached tokens; OpenAI's prompt_tokens includes them (wire doc §9.2). */
export function fromAnthropicUsage(usage: AnthropicUsage | null | undefined): Usage {
  const cacheRead = usage?.cache_read_input_tokens ?? 0;
  const prompt = (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + cacheRead;
  const reasoning = usage?.output_tokens_details?.thinking_tokens ?? undefined;
  return makeUsage(prompt, usage?.output_tokens ?? 0, { cached: cacheRead, ...(reasoning != null ? { reasoning } : {}) });
}

export function fromAnthropicResponse(message: AnthropicMessage, jsonTool?: string): ChatCompletion {
  let text = '';
  let reasoning = '';
  let json: string | undefined;
  const toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text += block.text ?? '';
    else if (block.type === 'thinking') reasoning += block.thinking ?? '';
    else if (block.type === 'tool_use' && jsonTool && block.name === jsonTool) json = JSON.stringify(block.input ?? {});
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id ?? '', type: 'function', function: { name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) } });
    }
    // redacted_thinking, server tool blocks: nothing an OpenAI client can use.
  }
  // JSON mode: the tool input is the answer; preamble text would make the content invalid JSON.
  const content = json ?? (text || (toolCalls.length > 0 ? null : ''));
  return makeCompletion(
    message.model,
    {
      role: 'assistant',
      content,
      ...(reasoning ? { reasoning_content: reasoning } : {}),
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    mapAnthropicStopReason(message.stop_reason, toolCalls.length > 0),
    fromAnthropicUsage(message.usage),
  );
}
