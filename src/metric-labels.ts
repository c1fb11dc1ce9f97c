// Bounded `model` label values: a model the provider lists or the config names keeps its own label; other names
// (the client's choice, passed on by providers that accept any) get one only up to a small number per provider,
// then all share `other`. 60,000 distinct names once made /metrics 168 MB and 3.9 s per scrape (issue 11).
import type { Counter, Histogram } from 'prom-client';
import type { ModelRoute } from './config.js';
import type { ModelInfo, ProviderConfig } from './providers/provider.js';

export const OTHER_MODEL = 'other';
/** Unlisted names per provider that still get their own label (a new fine-tune, a listing that failed). */
export const MAX_UNLISTED_MODELS = 50;
/** Provider ids are the registry's, but `provider` labels come from records too: bound them all the same. */
const MAX_PROVIDERS = 256;

/** What the label decision reads from the registry (a structural slice of ProviderRegistry). */
export interface ModelCatalogue {
  config(id: string): Pick<ProviderConfig, 'models'> | undefined;
  cachedModels(id: string): { models: ModelInfo[] } | undefined;
}

export class ModelLabels {
  private readonly unlisted = new Map<string, Set<string>>();
  private isKnown: (provider: string, model: string) => boolean = () => false;

  constructor(private readonly maxUnlisted = MAX_UNLISTED_MODELS) {}

  /** Models the registry lists (cached listings only: labelling never waits on a provider) or the config names. */
  useCatalogue(catalogue: ModelCatalogue, routes: readonly ModelRoute[] = []): void {
    const routed = new Set(routes.flatMap((r) => r.targets.map((t) => t.model)));
    const listedSets = new WeakMap<ModelInfo[], Set<string>>();
    const listed = (models: ModelInfo[]) => {
      let set = listedSets.get(models);
      if (!set) listedSets.set(models, (set = new Set(models.map((m) => m.id))));
      return set;
    };
    this.isKnown = (provider, model) => {
      const cached = catalogue.cachedModels(provider)?.models;
      return (
        (cached !== undefined && listed(cached).has(model)) ||
        (catalogue.config(provider)?.models?.includes(model) ?? false) ||
        routed.has(`${provider}/${model}`)
      );
    };
  }

  label(provider: string, model: string): string {
    if (this.isKnown(provider, model)) return model;
    let seen = this.unlisted.get(provider);
    if (!seen) {
      if (this.unlisted.size >= MAX_PROVIDERS) return OTHER_MODEL;
      seen = new Set();
      this.unlisted.set(provider, seen);
    }
    if (seen.has(model)) return model;
    if (seen.size >= this.maxUnlisted) return OTHER_MODEL;
    seen.add(model);
    return model;
  }

  /** `provider/model` as a fallback edge names it, bounded the same way. */
  target(provider: string, model: string): string {
    return `${provider}/${this.label(provider, model)}`;
  }
}

type ModelKeys = { provider: string; model: string };

/** A counter whose `model` label goes through ModelLabels; the same `inc` the routes already call. */
export class ModelCounter<L extends ModelKeys> {
  constructor(
    readonly metric: Counter,
    private readonly labels: ModelLabels,
  ) {}

  inc(labels: L, value?: number): void {
    this.metric.inc({ ...labels, model: this.labels.label(labels.provider, labels.model) }, value);
  }
}

/** A histogram whose `model` label goes through ModelLabels. */
export class ModelHistogram<L extends ModelKeys> {
  constructor(
    readonly metric: Histogram,
    private readonly labels: ModelLabels,
  ) {}

  observe(labels: L, value: number): void {
    this.metric.observe({ ...labels, model: this.labels.label(labels.provider, labels.model) }, value);
  }
}
