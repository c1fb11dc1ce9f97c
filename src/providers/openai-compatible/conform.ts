// Fills what OpenAI's published schema requires and OpenAI-wire servers (Ollama, vLLM, LM Studio…) leave out:
// `message.refusal` and `choices[].logprobs` (null when absent) in completions, `finish_reason` (null) in chunks.
// Same object back when nothing is missing, so conforming stream chunks keep being forwarded as the upstream's bytes.
import type { ChatCompletion, ChatCompletionChunk } from '../../schemas/chat-response.js';

export function conformCompletion(completion: ChatCompletion): ChatCompletion {
  let conforms = completion.usage !== null;
  for (const choice of completion.choices) {
    if (choice.logprobs === undefined || choice.message.refusal === undefined) conforms = false;
  }
  if (conforms) return completion;
  const { usage, ...rest } = completion;
  return {
    ...rest,
    ...(usage ? { usage } : {}),
    choices: completion.choices.map((choice) => ({
      ...choice,
      message: { ...choice.message, refusal: choice.message.refusal ?? null },
      logprobs: choice.logprobs ?? null,
    })),
  };
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
