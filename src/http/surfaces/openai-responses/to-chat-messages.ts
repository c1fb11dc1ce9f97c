// Responses input items → Chat Completions messages: parts renamed, function calls folded into the assistant turn
// they belong to, reasoning carried as reasoning_content on the assistant message that follows it.
import { invalidRequest } from '../../../errors.js';
import type { AssistantMessage, ChatMessage, UserContentPart } from '../../../schemas/chat-request.js';
import type { AssistantPart, InputItem, InputPart } from './request-schema.js';

const unsupportedInput = (param: string, message: string) => invalidRequest(message, param, 'unsupported_value');

function userPart(part: InputPart, param: string): UserContentPart {
  switch (part.type) {
    case 'input_text':
      return { type: 'text', text: part.text };
    case 'input_image':
      if (part.image_url) return { type: 'image_url', image_url: part.detail ? { url: part.image_url, detail: part.detail } : { url: part.image_url } };
      if (part.file_id) throw unsupportedInput(`${param}.file_id`, 'Image file ids need the OpenAI files API, which this gateway does not serve; send image_url (an https or data URL).');
      throw invalidRequest("An input_image needs an image_url (an https or data URL).", `${param}.image_url`, 'missing_required_parameter');
    case 'input_file': {
      if (part.file_id && !part.file_data && !part.file_url) throw unsupportedInput(`${param}.file_id`, 'File ids need the OpenAI files API, which this gateway does not serve; send file_data (a data URL).');
      if (!part.file_data && !part.file_url) throw invalidRequest('An input_file needs file_data or file_url.', `${param}.file_data`, 'missing_required_parameter');
      const file: Record<string, string> = {};
      if (part.file_data) file.file_data = part.file_data;
      if (part.file_url) file.file_url = part.file_url;
      if (part.filename) file.filename = part.filename;
      return { type: 'file', file };
    }
  }
}

function textOf(parts: ReadonlyArray<InputPart | AssistantPart>, param: string): string {
  let text = '';
  for (const [i, part] of parts.entries()) {
    if (part.type === 'input_text' || part.type === 'output_text') text += part.text;
    else if (part.type !== 'refusal') throw unsupportedInput(`${param}[${i}]`, `Only text is accepted here, not ${part.type}.`);
  }
  return text;
}

/** The assistant message new calls and text join: the last message, unless a tool result or user turn came since. */
function openAssistant(messages: ChatMessage[], reasoning: string | undefined): AssistantMessage {
  const last = messages.at(-1);
  const message: AssistantMessage = last?.role === 'assistant' ? last : { role: 'assistant', content: null };
  if (message !== last) messages.push(message);
  if (reasoning) message.reasoning_content = message.reasoning_content ? `${message.reasoning_content}\n\n${reasoning}` : reasoning;
  return message;
}

function appendText(message: AssistantMessage, text: string): void {
  message.content = typeof message.content === 'string' && message.content ? message.content + text : text;
}

export function toChatMessages(items: InputItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let reasoning: string | undefined;
  for (const [i, item] of items.entries()) {
    const param = `input[${i}]`;
    switch (item.type) {
      case undefined:
      case 'message': {
        if (item.role === 'assistant') {
          const message = openAssistant(messages, reasoning);
          reasoning = undefined;
          if (typeof item.content === 'string') appendText(message, item.content);
          else {
            appendText(message, textOf(item.content, `${param}.content`));
            const refusal = item.content.find((p) => p.type === 'refusal');
            if (refusal) message.refusal = refusal.refusal;
          }
        } else if (item.role === 'user') {
          messages.push({ role: 'user', content: typeof item.content === 'string' ? item.content : item.content.map((p, j) => userPart(p, `${param}.content[${j}]`)) });
        } else {
          messages.push({ role: item.role, content: typeof item.content === 'string' ? item.content : textOf(item.content, `${param}.content`) });
        }
        break;
      }
      case 'function_call': {
        const message = openAssistant(messages, reasoning);
        reasoning = undefined;
        (message.tool_calls ??= []).push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } });
        break;
      }
      case 'function_call_output':
        messages.push({ role: 'tool', tool_call_id: item.call_id, content: typeof item.output === 'string' ? item.output : textOf(item.output, `${param}.output`) });
        break;
      case 'reasoning': {
        const text = (item.content?.length ? item.content : item.summary).map((p) => p.text).join('\n\n');
        // Encrypted reasoning means something only to OpenAI; other providers get the readable part, if any.
        if (text) reasoning = reasoning ? `${reasoning}\n\n${text}` : text;
        break;
      }
      case 'item_reference':
        throw invalidRequest(
          `Item with id '${item.id}' not found: references resolve against this key's stored responses, and this gateway keeps none (LOG_BODIES=false); send the item itself.`,
          `${param}.id`,
          'item_not_found',
        );
    }
  }
  return messages;
}
