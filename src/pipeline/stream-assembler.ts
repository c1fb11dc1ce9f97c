// Rebuilds a whole answer from stream chunks (content, tool calls by index, finish, usage)
// so a streamed response is logged like a JSON one.
import type { ChatCompletionChunk, Usage } from '../schemas/chat-response.js';

interface AssembledToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export class StreamAssembler {
  content = '';
  finishReason: string | null = null;
  usage: Usage | undefined;
  readonly toolCalls: AssembledToolCall[] = [];

  add(chunk: ChatCompletionChunk): void {
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return;
    const delta = choice.delta;
    if (delta.content) this.content += delta.content;
    if (delta.tool_calls) {
      for (const call of delta.tool_calls) {
        let slot = this.toolCalls[call.index];
        if (!slot) {
          slot = { id: call.id ?? '', type: 'function', function: { name: '', arguments: '' } };
          this.toolCalls[call.index] = slot;
        }
        if (call.id) slot.id = call.id;
        if (call.function?.name) slot.function.name += call.function.name;
        if (call.function?.arguments) slot.function.arguments += call.function.arguments;
      }
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  tools(): AssembledToolCall[] | undefined {
    const calls = this.toolCalls.filter(Boolean);
    return calls.length > 0 ? calls : undefined;
  }
}
