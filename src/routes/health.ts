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
      checks.log_store = { ok: false, detail: (err as Error).message };
    }
    const usable = deps.registry.all().filter((p) => {
      const probe = deps.health.lastProbe(p.id);
      return !probe || probe.ok;
    });
    checks.providers = usable.length > 0 ? { ok: true, detail: usable.map((p) => p.id).join(',') } : { ok: false, detail: 'no usable provider' };
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  app.get('/health/providers', async () => {
    const providers = await Promise.all(
      deps.registry.all().map(async (p) => {
        const probe = deps.health.lastProbe(p.id);
        const deployments = deps.health.deploymentsOf(p.id);
        const openCount = deployments.filter((d) => d.state === 'open').length;
        const state = probe && !probe.ok ? 'down' : openCount > 0 ? 'degraded' : 'healthy';
        const cached = deps.registry.cachedModels(p.id);
        return {
          id: p.id,
          type: p.type,
          state,
          circuits: deployments,
          last_probe: probe ? { at: new Date(probe.at).toISOString(), ok: probe.ok, latency_ms: probe.latencyMs, error: probe.error ?? null } : null,
          last_error: probe?.error ?? deployments.find((d) => d.lastError)?.lastError ?? null,
          models_count: cached?.models.length ?? 0,
          capabilities: p.capabilities(deps.registry.defaultModel(p.id) ?? ''),
        };
      }),
    );
    return { providers };
  });
}
