// A hand-written check in front of chatCompletionChunkSchema for the chunk almost every stream is made of (a
// text or reasoning delta, no tool calls, no usage). It accepts only what the schema accepts unchanged and hands
// back the parsed JSON itself: zod's copy of every chunk cost more than parsing it (stream profiles).
// Anything else (usage, tool calls, a field of an unexpected type) goes through the schema.
import type { ChatCompletionChunk } from './chat-response.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown) => v === undefined || v === null || typeof v === 'string';

function plainDelta(delta: unknown): boolean {
  return (
    isObject(delta) &&
    optionalString(delta.role) &&
    optionalString(delta.content) &&
    optionalString(delta.refusal) &&
    optionalString(delta.reasoning_content) &&
    (delta.tool_calls === undefined || delta.tool_calls === null)
  );
}

function plainChoice(choice: unknown): boolean {
  return isObject(choice) && typeof choice.index === 'number' && optionalString(choice.finish_reason) && plainDelta(choice.delta);
}

/** The chunk as parsed when it is a plain delta chunk, else undefined (validate it with the schema). */
export function plainChunk(json: unknown): ChatCompletionChunk | undefined {
  if (
    !isObject(json) ||
    json.object !== 'chat.completion.chunk' ||
    typeof json.id !== 'string' ||
    typeof json.created !== 'number' ||
    typeof json.model !== 'string' ||
    !optionalString(json.system_fingerprint) ||
    (json.usage !== undefined && json.usage !== null) ||
    !Array.isArray(json.choices)
  ) {
    return undefined;
  }
  for (const choice of json.choices) if (!plainChoice(choice)) return undefined;
  return json as ChatCompletionChunk;
}
