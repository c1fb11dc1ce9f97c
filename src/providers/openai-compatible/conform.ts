// Fills what OpenAI's published schema requires and OpenAI-wire servers (Ollama, vLLM, LM Studio…) leave out:
// `message.refusal` and `choices[].logprobs` (null when absent) in completions, `finish_reason` (null) in chunks.
// Stream chunks come back as the same object when nothing is missing, so conforming ones keep being forwarded as the
// upstream's bytes.
import type { ChatCompletion, ChatCompletionChunk } from '../../schemas/chat-response.js';

/**
 * Fills the missing fields in place: the completion is the adapter's own (zod's output, a fresh object per parse), and
 * spreading every choice and message anew cost ~5 µs a request. A null usage (rare) is dropped by a copy instead:
 * deleting a key would leave the object slow to serialise.
 */
export function conformCompletion(completion: ChatCompletion): ChatCompletion {
  for (const choice of completion.choices) {
    if (choice.logprobs === undefined) choice.logprobs = null;
    if (choice.message.refusal === undefined) choice.message.refusal = null;
  }
  if (completion.usage !== null) return completion;
  const { usage: _null, ...rest } = completion;
  return rest;
}

/** The stream path: one property read per choice when the chunk already conforms. */
export function conformChunk(chunk: ChatCompletionChunk): ChatCompletionChunk {
  const { choices } = chunk;
  for (let i = 0; i < choices.length; i++) {
    if (choices[i]!.finish_reason === undefined) {
      return { ...chunk, choices: choices.map((choice) => (choice.finish_reason === undefined ? { ...choice, finish_reason: null } : choice)) };
    }
  }
  return chunk;
}
