// Gemini (AI Studio, or Vertex AI with a project and location) as a provider kind: where it lives and which
// variables switch it on; the adapter is adapter.ts.
import type { ProviderKind } from '../provider.js';
import { createGeminiProvider } from './adapter.js';
import { AI_STUDIO_BASE_URL } from './endpoints.js';

export const geminiKind: ProviderKind = {
  create: (config, deps) => createGeminiProvider(config, deps),
  defaultBaseUrl: AI_STUDIO_BASE_URL,
  // GEMINI_API_KEY (AI Studio, or Vertex express mode), or GEMINI_PROJECT + GEMINI_LOCATION (Vertex with ADC);
  // a Vertex base URL is derived from the location unless GEMINI_BASE_URL names one.
  fromEnv(env, type) {
    const vertex = Boolean(env.GEMINI_PROJECT && env.GEMINI_LOCATION);
    if (!env.GEMINI_API_KEY && !vertex) return undefined;
    return {
      id: type,
      type,
      apiKey: env.GEMINI_API_KEY || undefined,
      baseUrl: env.GEMINI_BASE_URL || (vertex ? '' : AI_STUDIO_BASE_URL),
      options: vertex ? { project: env.GEMINI_PROJECT, location: env.GEMINI_LOCATION } : undefined,
    };
  },
};
