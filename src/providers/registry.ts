// The one list of provider kinds (adding a provider = a folder or preset + one line in PROVIDER_KINDS), and the
// registry that builds providers from config and keeps each one's model list, cached so /v1/models stays cheap.
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { createDispatcher } from '../upstream/http.js';
import { anthropicKind } from './anthropic/index.js';
import { geminiKind } from './gemini/index.js';
import { createMockProvider } from './mock.js';
import { deepseekKind, genericKind, llamacppKind, lmstudioKind, mistralKind, ollamaKind, openaiKind, vllmKind } from './openai-compatible/presets/index.js';
import type { LocalDiscovery, ModelInfo, Provider, ProviderConfig, ProviderDeps, ProviderKind, ProviderType } from './provider.js';
import { withModelNameCheck } from './shared/model-name.js';

/** In the order the environment's providers are listed (and tried for bare model names). */
export const PROVIDER_KINDS = {
  openai: openaiKind,
  anthropic: anthropicKind,
  mistral: mistralKind,
  deepseek: deepseekKind,
  gemini: geminiKind,
  ollama: ollamaKind,
  lmstudio: lmstudioKind,
  llamacpp: llamacppKind,
  vllm: vllmKind,
  'openai-compatible': genericKind,
} as const satisfies Record<string, ProviderKind>;

type KindName = keyof typeof PROVIDER_KINDS;
const KIND_NAMES = Object.keys(PROVIDER_KINDS) as KindName[];

/** Every value `type:` may take in the config file. */
export const PROVIDER_TYPES: readonly [ProviderType, ...ProviderType[]] = ['mock', ...KIND_NAMES];

export function providerKind(type: ProviderType): ProviderKind | undefined {
  return type === 'mock' ? undefined : PROVIDER_KINDS[type];
}

/** The providers the environment switches on, each under its kind's name. */
export function providersFromEnv(env: NodeJS.ProcessEnv): ProviderConfig[] {
  return KIND_NAMES.flatMap((type) => PROVIDER_KINDS[type].fromEnv?.(env, type) ?? []);
}

/** Kinds that run on the local machine and can be found without configuration. */
export function localKinds(): Array<{ type: KindName; baseUrl: string; discovery: LocalDiscovery }> {
  return KIND_NAMES.flatMap((type) => {
    const kind: ProviderKind = PROVIDER_KINDS[type];
    return kind.local ? [{ type, baseUrl: kind.defaultBaseUrl, discovery: kind.local }] : [];
  });
}

const MODELS_TTL_MS = 5 * 60_000;
const LIST_TIMEOUT_MS = 5_000;

interface ModelCacheEntry {
  models: ModelInfo[];
  fetchedAt: number;
  error?: string;
  pending?: Promise<ModelInfo[]>;
}

export class ProviderRegistry {
  private readonly providers = new Map<string, Provider>();
  private readonly configs = new Map<string, ProviderConfig>();
  private readonly modelCache = new Map<string, ModelCacheEntry>();
  /** Own dispatchers of providers with a `proxy` or `max_connections` in the config file (the shared one follows HTTPS_PROXY etc.). */
  private readonly proxied = new Map<string, Dispatcher>();

  constructor(
    private readonly deps: ProviderDeps,
    private readonly log?: Logger,
  ) {}

  static fromConfigs(configs: ProviderConfig[], deps: ProviderDeps, log?: Logger): ProviderRegistry {
    const registry = new ProviderRegistry(deps, log);
    for (const config of configs) registry.add(config);
    return registry;
  }

  add(config: ProviderConfig, provider?: Provider): Provider {
    this.dropProxy(config.id);
    let deps = this.deps;
    if ((config.proxy || config.maxConnections) && !provider && config.type !== 'mock') {
      const dispatcher = createDispatcher({ proxyUrl: config.proxy, maxConnections: config.maxConnections });
      this.proxied.set(config.id, dispatcher);
      deps = { ...this.deps, dispatcher };
    }
    const built = provider ?? (config.type === 'mock' ? createMockProvider(config) : withModelNameCheck(PROVIDER_KINDS[config.type].create(config, deps)));
    this.providers.set(config.id, built);
    this.configs.set(config.id, config);
    this.modelCache.delete(config.id);
    return built;
  }

  remove(id: string): void {
    this.dropProxy(id);
    this.providers.delete(id);
    this.configs.delete(id);
    this.modelCache.delete(id);
  }

  get(id: string): Provider | undefined {
    return this.providers.get(id);
  }

  has(id: string): boolean {
    return this.providers.has(id);
  }

  all(): Provider[] {
    return [...this.providers.values()];
  }

  config(id: string): ProviderConfig | undefined {
    return this.configs.get(id);
  }

  /** A server on this machine (Ollama, LM Studio…): as a fallback it answers with the first model it lists. */
  isLocal(id: string): boolean {
    const type = this.configs.get(id)?.type;
    return type !== undefined && providerKind(type)?.local !== undefined;
  }

  /** The first provider whose kind claims this bare model name as its own family (registration order). */
  claimantOf(model: string): string | undefined {
    for (const [id, config] of this.configs) {
      if (providerKind(config.type)?.claimsBareNames?.test(model)) return id;
    }
    return undefined;
  }

  /** The model a provider answers with when a fallback names the provider but no model. */
  defaultModel(id: string): string | undefined {
    return this.configs.get(id)?.models?.[0] ?? this.modelCache.get(id)?.models[0]?.id;
  }

  cachedModels(id: string): ModelCacheEntry | undefined {
    return this.modelCache.get(id);
  }

  /** A provider's models, from cache when fresh; a failed listing falls back to configured models. */
  async models(id: string): Promise<ModelInfo[]> {
    const provider = this.providers.get(id);
    if (!provider) return [];
    const cached = this.modelCache.get(id);
    if (cached && Date.now() - cached.fetchedAt < MODELS_TTL_MS) return cached.models;
    if (cached?.pending) return cached.pending;
    const pending = this.fetchModels(provider);
    this.modelCache.set(id, { models: cached?.models ?? [], fetchedAt: cached?.fetchedAt ?? 0, pending });
    return pending;
  }

  async allModels(): Promise<Array<{ provider: string; model: ModelInfo }>> {
    const lists = await Promise.all(
      this.all().map(async (p) => (await this.models(p.id)).map((model) => ({ provider: p.id, model }))),
    );
    return lists.flat();
  }

  private async fetchModels(provider: Provider): Promise<ModelInfo[]> {
    const configured = (this.configs.get(provider.id)?.models ?? []).map((id) => ({ id }));
    let models: ModelInfo[];
    let error: string | undefined;
    try {
      const listed = await provider.listModels(AbortSignal.timeout(LIST_TIMEOUT_MS));
      const seen = new Set(listed.map((m) => m.id));
      models = [...listed, ...configured.filter((m) => !seen.has(m.id))];
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      this.log?.warn({ provider: provider.id, err: error }, 'model listing failed; using configured models');
      models = configured;
    }
    // A failed listing is retried sooner than a good one is refreshed.
    const fetchedAt = error ? Date.now() - MODELS_TTL_MS + 30_000 : Date.now();
    this.modelCache.set(provider.id, { models, fetchedAt, error });
    return models;
  }

  private dropProxy(id: string): void {
    void this.proxied.get(id)?.close();
    this.proxied.delete(id);
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((p) => p.close?.()));
    await Promise.all([...this.proxied.values()].map((d) => d.close()));
  }
}
