// The two ways the environment switches a provider on: a key (cloud APIs) or a base URL / pinned model (local servers).
import type { ProviderConfig, ProviderKind } from '../provider.js';

type EnvMapping = NonNullable<ProviderKind['fromEnv']>;

/** `<PREFIX>_API_KEY` switches it on; `<PREFIX>_BASE_URL` moves it. */
export const keyedFromEnv =
  (prefix: string, defaultBaseUrl: string): EnvMapping =>
  (env, type) => {
    const apiKey = env[`${prefix}_API_KEY`];
    if (!apiKey) return undefined;
    return { id: type, type, apiKey, baseUrl: env[`${prefix}_BASE_URL`] || defaultBaseUrl };
  };

/** `<PREFIX>_BASE_URL` or `<PREFIX>_MODEL` switches it on; `<PREFIX>_API_KEY` when the server wants one. */
export const localFromEnv =
  (prefix: string, defaultBaseUrl: string): EnvMapping =>
  (env, type) => {
    const baseUrl = env[`${prefix}_BASE_URL`];
    const model = env[`${prefix}_MODEL`];
    if (!baseUrl && !model) return undefined;
    const config: ProviderConfig = { id: type, type, apiKey: env[`${prefix}_API_KEY`] || undefined, baseUrl: baseUrl || defaultBaseUrl };
    if (model) config.models = [model];
    return config;
  };
