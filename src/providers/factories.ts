// Provider type → adapter factory. OpenAI-wire vendors share one adapter through presets.
import { createAnthropicProvider } from './anthropic/index.js';
import { createGeminiProvider } from './gemini/index.js';
import { createOpenAIWireProvider } from './openai-compatible/adapter.js';
import { createOllamaProvider, deepseekPreset, genericPreset, lmstudioPreset, mistralPreset, openaiPreset } from './openai-compatible/presets/index.js';
import type { ProviderFactory, ProviderType } from './provider.js';

const openAIWire =
  (preset: Parameters<typeof createOpenAIWireProvider>[2]): ProviderFactory =>
  (config, deps) =>
    createOpenAIWireProvider(config, deps, preset);

export const providerFactories: Record<Exclude<ProviderType, 'mock'>, ProviderFactory> = {
  openai: openAIWire(openaiPreset),
  deepseek: openAIWire(deepseekPreset),
  mistral: openAIWire(mistralPreset),
  ollama: (config, deps) => createOllamaProvider(config, deps),
  lmstudio: openAIWire(lmstudioPreset),
  'openai-compatible': openAIWire(genericPreset),
  gemini: (config, deps) => createGeminiProvider(config, deps),
  anthropic: createAnthropicProvider,
};
