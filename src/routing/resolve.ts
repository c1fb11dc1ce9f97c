// Model name → the ordered list of deployments that may serve it: an alias from the config file, `provider/model`,
// a bare name that exactly one provider lists or a provider kind claims as its family; plus the fallback shorthand.
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
  /**
   * Set only when the alias overrides the connect timeout: the global one lives on the dispatcher, and scoping a
   * per-call timeout costs async-context tracking on every promise (Node 20), so it is paid only where asked for.
   */
  connectTimeoutOverrideMs?: number;
}

function splitName(name: string): Target | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return undefined;
  return { provider: name.slice(0, slash), model: name.slice(slash + 1), weight: 1 };
}

function splitProviderModel(name: string, registry: ProviderRegistry): Target | undefined {
  const target = splitName(name);
  return target && registry.has(target.provider) ? target : undefined;
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
      // Targets of providers that are not registered (yet: a local server not detected) stay in the plan;
      // the router skips them, and answers 503 when none is left.
      const targets = alias.targets.map((t) => {
        const target = splitName(t.model);
        if (!target) throw new GatewayError({ status: 500, message: `route '${name}' names '${t.model}', which is not provider/model`, code: 'bad_route', retrySameTarget: false });
        return { ...target, weight: t.weight };
      });
      return {
        requested: name,
        strategy: alias.strategy,
        targets,
        settings: { ...settings, ...alias.routing },
        connectTimeoutOverrideMs: alias.routing?.connect_timeout_ms,
      };
    }
    const primary = splitProviderModel(name, this.registry) ?? (await this.bareModel(name));
    const targets = [primary, ...this.fallbacksFor(primary, override)];
    return { requested: name, strategy: 'fallback', targets, settings };
  }

  /**
   * The LLM_PROVIDERS shorthand (or the per-request `x-gateway-fallback` header, where `none` turns fallback off):
   * other providers in order, each with its default model. The primary's own provider is skipped unless an entry
   * names a model, since the same provider usually fails the same way.
   */
  private fallbacksFor(primary: Target, override?: string[]): Target[] {
    if (override?.length === 1 && override[0]?.toLowerCase() === 'none') return [];
    const order = override ?? (this.config.fallbackEnabled ? this.config.fallbackOrder : []);
    const targets: Target[] = [];
    for (const entry of order) {
      const explicit = splitProviderModel(entry, this.registry);
      const target = explicit ?? (entry === primary.provider ? undefined : this.defaultTarget(entry, primary.model));
      if (!target || (target.provider === primary.provider && target.model === primary.model)) continue;
      if (targets.some((t) => t.provider === target.provider && t.model === target.model)) continue;
      targets.push(target);
    }
    return targets;
  }

  /**
   * The model a fallback provider answers with: its configured model (a `<PREFIX>_MODEL` variable, `models:` in
   * the config file); else the requested model when it lists that too; else, for a local server, the first model
   * it lists. Only cached listings are read, so resolving never waits on a slow provider.
   */
  private defaultTarget(provider: string, requestedModel: string): Target | undefined {
    if (!this.registry.has(provider)) return undefined;
    const configured = this.registry.config(provider)?.models?.[0];
    if (configured) return { provider, model: configured, weight: 1 };
    const listed = this.registry.cachedModels(provider)?.models ?? [];
    if (listed.some((m) => m.id === requestedModel)) return { provider, model: requestedModel, weight: 1 };
    const first = listed[0]?.id;
    return first && this.registry.isLocal(provider) ? { provider, model: first, weight: 1 } : undefined;
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
    // A name of a family some provider kind claims (the kind declares it in the registry) goes to that provider.
    const claimant = this.registry.claimantOf(name);
    if (claimant) return { provider: claimant, model: name, weight: 1 };
    throw modelNotFound(name);
  }
}
