// The built-in mock provider: answers any `mock/*` model offline so the gateway works with zero configuration.
// `mock/echo` repeats the last user message after a small simulated delay, streamed word by word or whole.
import { setTimeout as sleep } from 'node:timers/promises';
import { contentText, type ChatRequest } from '../schemas/chat-request.js';
import { makeUsage } from '../schemas/chat-response.js';
import { ChunkFactory, makeCompletion } from './chunks.js';
import type { ChatStreamEvent, Provider, ProviderConfig } from './provider.js';

const DEFAULT_DELAY_MS = 20;

function lastUserText(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === 'user') return contentText(message.content);
  }
  return '';
}

/** A rough token count (words) so usage is plausible and deterministic. */
function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function promptTokens(request: ChatRequest): number {
  return request.messages.reduce((sum, m) => sum + countTokens(contentText(m.content)), 0);
}

function answerFor(request: ChatRequest): string {
  const text = lastUserText(request);
  return text || '(mock: no user message to echo)';
}

export function createMockProvider(config: ProviderConfig): Provider {
  const delayMs = Number(config.options?.delayMs ?? DEFAULT_DELAY_MS);
  const models = config.models?.length ? config.models : ['echo'];

  return {
    id: config.id,
    type: 'mock',
    capabilities: () => ({ tools: false, vision: true, jsonSchema: false, reasoning: false, embeddings: false, files: false }),
    listModels: async () => models.map((id) => ({ id, ownedBy: 'llm-gateway' })),
    probe: async () => undefined,

    async chat(request, model, options) {
      await sleep(delayMs, undefined, { signal: options.signal });
      const answer = answerFor(request);
      const usage = makeUsage(promptTokens(request), countTokens(answer));
      return makeCompletion(`${config.id}/${model}`, { role: 'assistant', content: answer }, 'stop', usage);
    },

    async chatStream(request, model, options) {
      const answer = answerFor(request);
      const factory = new ChunkFactory(`${config.id}/${model}`);
      const words = answer.match(/\S+\s*/g) ?? [answer];
      const perWordDelay = Math.max(1, Math.round(delayMs / Math.max(words.length, 1)));
      async function* events(): AsyncGenerator<ChatStreamEvent> {
        yield factory.delta({ role: 'assistant', content: '' });
        for (const word of words) {
          await sleep(perWordDelay, undefined, { signal: options.signal });
          yield factory.delta({ content: word });
        }
        yield factory.finish('stop');
        yield factory.usage(makeUsage(promptTokens(request), countTokens(answer)));
      }
      return events();
    },
  };
}
