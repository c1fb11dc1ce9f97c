// Model name → the ordered list of deployments that may serve it: an alias from the config file,
// `provider/model`, or a bare name that exactly one provider lists; plus the LLM_PROVIDERS fallback shorthand.
import type { Config, ModelRoute, RoutingSettings } from '../config.js';
import { GatewayError, modelNotFound } from '../errors.js';
import type { ProviderRegistry } from '../providers/registry.js';

export interface Target {
  provider: string;
  model: string;
  weight: number;
}

export interface RoutePlan {
  /** What the client asked for. */
  requested: string;
  strategy: ModelRoute['strategy'];
  targets: Target[];
  settings: RoutingSettings;
}

function splitProviderModel(name: string, registry: ProviderRegistry): Target | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0) return undefined;
  const provider = name.slice(0, slash);
  const model = name.slice(slash + 1);
  if (!model || !registry.has(provider)) return undefined;
  return { provider, model, weight: 1 };
}

export class ModelResolver {
  private readonly aliases: Map<string, ModelRoute>;

  constructor(
    private readonly config: Config,
    private readonly registry: ProviderRegistry,
  ) {
    this.aliases = new Map(config.routes.map((r) => [r.name, r]));
  }

  aliasNames(): string[] {
    return [...this.aliases.keys()];
  }

  async resolve(name: string, override?: string[]): Promise<RoutePlan> {
    const settings = this.config.routing;
    if (this.config.mockMode) {
      const model = name.startsWith('mock/') ? name.slice(5) : name;
      return { requested: name, strategy: 'fallback', targets: [{ provider: 'mock', model, weight: 1 }], settings };
    }
    const alias = this.aliases.get(name);
    if (alias) {
      const targets = alias.targets.map((t) => {
        const target = splitProviderModel(t.model, this.registry);
        if (!target) throw new GatewayError({ status: 500, message: `route '${name}' names '${t.model}', which no provider serves`, code: 'bad_route', retryable: false });
        return { ...target, weight: t.weight };
      });
      return { requested: name, strategy: alias.strategy, targets, settings: { ...settings, ...alias.routing } };
    }
    const primary = splitProviderModel(name, this.registry) ?? (await this.bareModel(name));
    const targets = [primary, ...this.fallbacksFor(primary, override)];
    return { requested: name, strategy: 'fallback', targets, settings };
  }

  /** The LLM_PROVIDERS shorthand (or a per-request header): other providers' default models, in order. */
  private fallbacksFor(primary: Target, override?: string[]): Target[] {
    const order = override ?? (this.config.fallbackEnabled ? this.config.fallbackOrder : []);
    const targets: Target[] = [];
    for (const entry of order) {
      const explicit = splitProviderModel(entry, this.registry);
      const target = explicit ?? this.defaultTarget(entry);
      if (!target || (target.provider === primary.provider && target.model === primary.model)) continue;
      targets.push(target);
    }
    return targets;
  }

  private defaultTarget(provider: string): Target | undefined {
    if (!this.registry.has(provider)) return undefined;
    const model = this.registry.defaultModel(provider);
    return model ? { provider, model, weight: 1 } : undefined;
  }

  private async bareModel(name: string): Promise<Target> {
    const all = await this.registry.allModels();
    const matches = all.filter((m) => m.model.id === name);
    if (matches.length === 1 && matches[0]) return { provider: matches[0].provider, model: name, weight: 1 };
    if (matches.length > 1) {
      const options = matches.map((m) => `${m.provider}/${name}`).join(', ');
      throw new GatewayError({
        status: 404,
        message: `The model '${name}' is served by several providers; name one of: ${options}`,
        param: 'model',
        code: 'model_not_found',
      });
    }
    throw modelNotFound(name);
  }
}
