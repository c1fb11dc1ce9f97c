// GET /admin/providers: each provider's health, circuit per model, the last probes and its capabilities, from the
// routing health registry and the provider registry (the base URL as its host only: no path, no credentials).
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { CircuitState } from '../../routing/circuit-breaker.js';
import type { HealthTracker } from '../../routing/health.js';
import { answers, tags } from './common.js';
import { providerListSchema } from './console-shapes.js';

type ProviderView = z.infer<typeof providerListSchema>['data'][number];

/** Models listed per provider at most: an upstream may list thousands, the page shows the ones in use first. */
const MAX_MODELS = 500;

const circuitName = (state: CircuitState) => (state === 'half-open' ? 'half_open' : state);

function hostOf(baseUrl: string): string | null {
  try {
    return new URL(baseUrl).host || null;
  } catch {
    return null;
  }
}

export function providerViews(registry: ProviderRegistry, health: HealthTracker): ProviderView[] {
  return registry.all().map((p) => {
    const deployments = health.deploymentsOf(p.id);
    const seen = new Set(deployments.map((d) => d.model));
    const models: ProviderView['models'] = deployments.map((d) => ({ model: d.model, circuit: circuitName(d.state), last_error: d.lastError ?? null, last_latency_ms: d.latencyMs ?? null }));
    const served = registry.cachedModels(p.id)?.models.map((m) => m.id) ?? registry.config(p.id)?.models ?? [];
    for (const model of served) {
      if (models.length >= MAX_MODELS) break;
      if (!seen.has(model)) models.push({ model, circuit: 'closed', last_error: null, last_latency_ms: null });
    }
    const capabilities = p.capabilities(registry.defaultModel(p.id) ?? '');
    return {
      id: p.id,
      kind: p.type,
      base_url_host: hostOf(registry.config(p.id)?.baseUrl ?? ''),
      healthy: health.providerState(p.id) === 'healthy',
      models: models.slice(0, MAX_MODELS),
      probes: health.probesOf(p.id).map((probe) => ({ t: new Date(probe.at).toISOString(), latency_ms: probe.latencyMs, ok: probe.ok })),
      capabilities: Object.entries(capabilities)
        .filter(([, on]) => on === true)
        .map(([name]) => name),
    };
  });
}

export function registerProviders(admin: FastifyInstance, registry: ProviderRegistry, health: HealthTracker): void {
  admin.get(
    '/admin/providers',
    { schema: { summary: 'Providers: health, circuit per model, the last 60 probes, capabilities', tags, response: answers(providerListSchema) } },
    async () => ({ object: 'list' as const, data: providerViews(registry, health) }),
  );
}
