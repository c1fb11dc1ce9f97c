// Builders shared by the translating adapters, so every one emits the same chunk and completion shapes.
import {
  newCompletionId,
  nowSeconds,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChunkDelta,
  type CompletionMessage,
  type FinishReason,
  type Usage,
} from '../schemas/chat-response.js';
import type { ChatStreamEvent } from './provider.js';

export class ChunkFactory {
  readonly id: string;
  readonly created: number;

  constructor(
    readonly model: string,
    id?: string,
  ) {
    this.id = id ?? newCompletionId();
    this.created = nowSeconds();
  }

  delta(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatStreamEvent {
    const chunk: ChatCompletionChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    return { chunk };
  }

  finish(reason: FinishReason): ChatStreamEvent {
    return this.delta({}, reason);
  }

  usage(usage: Usage): ChatStreamEvent {
    const chunk: ChatCompletionChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      usage,
    };
    return { chunk };
  }
}

export function makeCompletion(
  model: string,
  message: CompletionMessage,
  finishReason: FinishReason,
  usage: Usage | undefined,
  id?: string,
): ChatCompletion {
  // OpenAI's schema requires refusal (null when there is none) on every message.
  if (message.refusal === undefined) message.refusal = null;
  return {
    id: id ?? newCompletionId(),
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
    ...(usage ? { usage } : {}),
  };
}

/** A synthetic OpenAI tool-call id for upstreams that have none (Gemini, old Ollama). */
export function newToolCallId(): string {
  return `call_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`;
}
