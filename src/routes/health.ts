// Liveness, readiness (log store + at least one usable provider) and the per-provider health report.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';

export function registerHealth(app: FastifyInstance, deps: Deps): void {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_req, reply) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await deps.logStore.ping();
      checks.log_store = deps.logWriter.stats.degraded
        ? { ok: true, detail: `degraded: ${deps.logWriter.stats.queued} queued, ${deps.logWriter.stats.spilled} spilled` }
        : { ok: true };
    } catch (err) {
      const { queued, spilled } = deps.logWriter.stats;
      checks.log_store = { ok: false, detail: `unreachable (${(err as Error).message}); requests are served, ${queued} log entries queued, ${spilled} spilled` };
    }
    // Usable: its last probe reached it (or none ran yet) and not every circuit it has is open.
    const providers = deps.registry.all();
    const usable = providers.filter((p) => deps.health.isProviderUsable(p.id));
    const unusable = providers.filter((p) => !usable.includes(p)).map((p) => `${p.id} (${deps.health.lastProbe(p.id)?.error ?? 'circuits open'})`);
    checks.providers =
      usable.length > 0
        ? { ok: true, detail: usable.map((p) => p.id).join(',') + (unusable.length ? `; unusable: ${unusable.join(', ')}` : '') }
        : { ok: false, detail: providers.length === 0 ? 'no provider configured' : `no usable provider: ${unusable.join(', ')}` };
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  app.get('/health/providers', async () => {
    const providers = deps.registry.all().map((p) => {
      const probe = deps.health.lastProbe(p.id);
      const deployments = deps.health.deploymentsOf(p.id);
      const cached = deps.registry.cachedModels(p.id);
      return {
        id: p.id,
        type: p.type,
        state: deps.health.providerState(p.id),
        circuits: deployments.map((d) => ({
          model: d.model,
          state: d.state,
          retry_after_ms: d.retryAfterMs,
          latency_ms: d.latencyMs ?? null,
          last_error: d.lastError ?? null,
        })),
        last_probe: probe ? { at: new Date(probe.at).toISOString(), ok: probe.ok, latency_ms: probe.latencyMs, error: probe.error ?? null } : null,
        last_error: probe?.error ?? deployments.find((d) => d.lastError)?.lastError ?? null,
        models_count: cached?.models.length ?? deps.registry.config(p.id)?.models?.length ?? 0,
        capabilities: p.capabilities(deps.registry.defaultModel(p.id) ?? ''),
      };
    });
    return { providers };
  });
}
