// The bridge's JSON half: a chat completion → the Response object OpenAI returns (reasoning, message and
// function_call items; incomplete when the answer was cut by the token limit or a content filter).
import type { ChatCompletion } from '../../../schemas/chat-response.js';
import {
  functionCallItem,
  incompleteReason,
  itemId,
  messageItem,
  newResponseHex,
  reasoningItem,
  responseObject,
  type ResponseEcho,
} from './response-object.js';

type Json = Record<string, unknown>;

export function renderResponse(completion: ChatCompletion, echo: ResponseEcho, model: string, createdAt: number): Json {
  const hex = newResponseHex();
  const choice = completion.choices[0];
  const message = choice?.message;
  const incomplete = incompleteReason(choice?.finish_reason);
  const itemStatus = incomplete ? 'incomplete' : 'completed';
  const output: Json[] = [];
  if (message?.reasoning_content) output.push(reasoningItem(itemId('rs', hex, output.length), message.reasoning_content));
  const calls = message?.tool_calls ?? [];
  // A tool-only answer has no message item, as OpenAI sends it; any other answer has one, even an empty one.
  if (message?.content || message?.refusal || calls.length === 0) {
    output.push(messageItem(itemId('msg', hex, output.length), message?.content ?? '', itemStatus, message?.refusal));
  }
  for (const call of calls) {
    output.push(functionCallItem(itemId('fc', hex, output.length), call.id, call.function.name, call.function.arguments, itemStatus));
  }
  return responseObject(
    { hex, createdAt, model, status: incomplete ? 'incomplete' : 'completed', output, usage: completion.usage ?? undefined, incomplete },
    echo,
  );
}
