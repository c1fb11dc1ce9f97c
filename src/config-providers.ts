// Which providers the environment switches on, with the contract's default base URLs.
import type { ProviderConfig } from './providers/provider.js';

export const DEFAULT_BASE_URLS = {
  openai: 'https://api.openai.com/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  anthropic: 'https://api.anthropic.com/v1',
  mistral: 'https://api.mistral.ai/v1',
  deepseek: 'https://api.deepseek.com/v1',
  ollama: 'http://localhost:11434',
  lmstudio: 'http://localhost:1234/v1',
} as const;

const keyed = [
  ['openai', 'OPENAI'],
  ['anthropic', 'ANTHROPIC'],
  ['mistral', 'MISTRAL'],
  ['deepseek', 'DEEPSEEK'],
] as const;

export function providersFromEnv(env: NodeJS.ProcessEnv): ProviderConfig[] {
  const providers: ProviderConfig[] = [];
  for (const [id, prefix] of keyed) {
    const apiKey = env[`${prefix}_API_KEY`];
    if (!apiKey) continue;
    providers.push({ id, type: id, apiKey, baseUrl: env[`${prefix}_BASE_URL`] || DEFAULT_BASE_URLS[id] });
  }

  const vertex = Boolean(env.GEMINI_PROJECT && env.GEMINI_LOCATION);
  if (env.GEMINI_API_KEY || vertex) {
    providers.push({
      id: 'gemini',
      type: 'gemini',
      apiKey: env.GEMINI_API_KEY || undefined,
      baseUrl: env.GEMINI_BASE_URL || (vertex ? '' : DEFAULT_BASE_URLS.gemini),
      options: vertex ? { project: env.GEMINI_PROJECT, location: env.GEMINI_LOCATION } : undefined,
    });
  }

  if (env.OLLAMA_BASE_URL || env.OLLAMA_MODEL) {
    providers.push({
      id: 'ollama',
      type: 'ollama',
      apiKey: env.OLLAMA_API_KEY || undefined,
      baseUrl: env.OLLAMA_BASE_URL || DEFAULT_BASE_URLS.ollama,
      models: env.OLLAMA_MODEL ? [env.OLLAMA_MODEL] : undefined,
    });
  }
  if (env.LMSTUDIO_BASE_URL || env.LMSTUDIO_MODEL) {
    providers.push({
      id: 'lmstudio',
      type: 'lmstudio',
      apiKey: env.LMSTUDIO_API_KEY || undefined,
      baseUrl: env.LMSTUDIO_BASE_URL || DEFAULT_BASE_URLS.lmstudio,
      models: env.LMSTUDIO_MODEL ? [env.LMSTUDIO_MODEL] : undefined,
    });
  }
  return providers;
}
