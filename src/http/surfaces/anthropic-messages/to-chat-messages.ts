// Anthropic message params → internal chat messages: user blocks, tool results (each its own tool message, before
// the user's other content of that turn), assistant text, tool_use and thinking. Pure; 400 for what cannot translate.
import { GatewayError } from '../../../errors.js';
import type { AssistantMessage, ChatMessage, ToolCall, UserContentPart } from '../../../schemas/chat-request.js';
import { attachThinking, type SignedThinking } from '../../../schemas/signed-thinking.js';
import type { ContentBlock, DocumentBlock, ImageBlock, MessageParam, ToolResultBlock } from './wire.js';

export const untranslatable = (param: string, message: string) =>
  new GatewayError({ status: 400, message, param, code: 'unsupported_content' });

function imagePart(block: ImageBlock, param: string): UserContentPart {
  const source = block.source;
  if (source.type === 'base64') return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  if (source.type === 'url') return { type: 'image_url', image_url: { url: source.url } };
  throw untranslatable(`${param}.source`, 'Image file_id sources (the Files API) can only be sent to Anthropic; send the image as base64 or a URL.');
}

function documentParts(block: DocumentBlock, param: string): UserContentPart[] {
  const source = block.source;
  const title = block.title ?? undefined;
  switch (source.type) {
    case 'base64':
      if (source.media_type !== 'application/pdf') throw untranslatable(`${param}.source.media_type`, `Document media type '${source.media_type}' is not supported (application/pdf).`);
      return [{ type: 'file', file: { file_data: `data:application/pdf;base64,${source.data}`, filename: title ?? 'document.pdf' } }];
    case 'text':
      return [{ type: 'text', text: title ? `${title}\n\n${source.data}` : source.data }];
    case 'content':
      if (typeof source.content === 'string') return [{ type: 'text', text: source.content }];
      return source.content.map((inner, i) => (inner.type === 'text' ? { type: 'text', text: inner.text } : imagePart(inner, `${param}.source.content[${i}]`)));
    case 'url':
      // Only Anthropic fetches a PDF by URL; the gateway does not fetch arbitrary URLs on a client's behalf.
      throw untranslatable(`${param}.source`, 'PDF url sources can only be sent to Anthropic; send the PDF as base64 for other providers.');
    case 'file':
      throw untranslatable(`${param}.source`, 'Document file_id sources (the Files API) can only be sent to Anthropic.');
  }
}

/** Media inside a tool result cannot ride in a tool message: it follows in the user message of the same turn. */
function toolResult(block: ToolResultBlock, param: string): { message: ChatMessage; media: UserContentPart[] } {
  const media: UserContentPart[] = [];
  let text = '';
  if (typeof block.content === 'string') text = block.content;
  else {
    (block.content ?? []).forEach((inner, i) => {
      const innerParam = `${param}.content[${i}]`;
      if (inner.type === 'text') text += (text ? '\n' : '') + inner.text;
      else if (inner.type === 'image') media.push(imagePart(inner, innerParam));
      else media.push(...documentParts(inner, innerParam));
    });
  }
  // OpenAI-style tool messages have no error flag; the text says it so the model still knows the call failed.
  if (block.is_error && !/^error\b/i.test(text)) text = `Error: ${text}`;
  return { message: { role: 'tool', tool_call_id: block.tool_use_id, content: text }, media };
}

function userMessages(content: ContentBlock[], i: number): ChatMessage[] {
  const results: ChatMessage[] = [];
  const parts: UserContentPart[] = [];
  content.forEach((block, b) => {
    const param = `messages[${i}].content[${b}]`;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: block.text });
        return;
      case 'image':
        parts.push(imagePart(block, param));
        return;
      case 'document':
        parts.push(...documentParts(block, param));
        return;
      case 'tool_result': {
        const { message, media } = toolResult(block, param);
        results.push(message);
        parts.push(...media);
        return;
      }
      default:
        throw untranslatable(`${param}.type`, `'${block.type}' blocks belong in assistant messages.`);
    }
  });
  if (parts.length === 0 && results.length === 0) throw untranslatable(`messages[${i}].content`, 'A user message needs at least one content block.');
  if (parts.length === 0) return results;
  const only = parts.length === 1 ? parts[0] : undefined;
  return [...results, { role: 'user', content: only?.type === 'text' ? only.text : parts }];
}

function assistantMessage(content: ContentBlock[], i: number): AssistantMessage {
  let text = '';
  let reasoning = '';
  const calls: ToolCall[] = [];
  const thinking: SignedThinking[] = [];
  content.forEach((block, b) => {
    switch (block.type) {
      case 'text':
        text += block.text;
        return;
      case 'tool_use':
        calls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
        return;
      case 'thinking':
        reasoning += block.thinking;
        thinking.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
        return;
      case 'redacted_thinking':
        thinking.push({ type: 'redacted_thinking', data: block.data });
        return;
      default:
        throw untranslatable(`messages[${i}].content[${b}].type`, `'${block.type}' blocks belong in user messages.`);
    }
  });
  const message: AssistantMessage = { role: 'assistant', content: text || (calls.length > 0 ? null : '') };
  if (calls.length > 0) message.tool_calls = calls;
  if (reasoning) message.reasoning_content = reasoning;
  return attachThinking(message, thinking);
}

export function toChatMessages(messages: MessageParam[]): ChatMessage[] {
  return messages.flatMap((message, i): ChatMessage[] => {
    if (typeof message.content === 'string') return [{ role: message.role, content: message.content }];
    return message.role === 'user' ? userMessages(message.content, i) : [assistantMessage(message.content, i)];
  });
}
