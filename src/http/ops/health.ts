// Liveness, readiness and the per-provider health report. Ready means "can serve": a log store that is down while
// the writer keeps (queues or spills) the entries degrades readiness but never fails it, since a balancer pulling
// every replica during a database blip would turn a logging outage into a full outage. 503 only when no provider
// is usable. The reports need no key and quote upstream errors, which may quote a provider key back: redacted here.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { livenessSchema, readinessSchema } from '../openapi-shapes.js';

interface Check {
  ok: boolean;
  /** Not at its best (or failing) but the gateway serves around it. */
  degraded?: boolean;
  detail?: string;
}

async function logStoreCheck(deps: Deps): Promise<Check> {
  const { queued, spilled } = deps.logWriter.stats;
  try {
    await deps.logStore.ping();
    return deps.logWriter.stats.degraded ? { ok: true, degraded: true, detail: `degraded: ${queued} queued, ${spilled} spilled` } : { ok: true };
  } catch (err) {
    // Failing, but served around: the writer keeps the entries (queue, then spill file) until the store is back.
    return { ok: false, degraded: true, detail: `unreachable (${(err as Error).message}); requests are served, ${queued} log entries queued, ${spilled} spilled` };
  }
}

function providersCheck(deps: Deps): Check {
  // Usable: its last probe reached it (or none ran yet) and not every circuit it has is open.
  const providers = deps.registry.all();
  const usable = providers.filter((p) => deps.health.isProviderUsable(p.id));
  const unusable = providers.filter((p) => !usable.includes(p)).map((p) => `${p.id} (${deps.health.lastProbe(p.id)?.error ?? 'circuits open'})`);
  if (usable.length > 0) return { ok: true, detail: usable.map((p) => p.id).join(',') + (unusable.length ? `; unusable: ${unusable.join(', ')}` : '') };
  return { ok: false, detail: providers.length === 0 ? 'no provider configured' : `no usable provider: ${unusable.join(', ')}` };
}

/**
 * Shared state away: in `open` mode the replica serves (deciding locally), so it stays in rotation; in `closed` mode
 * it refuses every limited request with 503, so it reports not ready and a balancer drains it toward replicas that
 * still reach Redis (if none do, they all answer 503 state_unavailable either way).
 */
function stateCheck(deps: Deps): Check {
  const { state } = deps;
  if (!state.degraded) return { ok: true, detail: state.backend };
  const open = state.failureMode === 'open';
  return { ok: false, degraded: open, detail: open ? 'unreachable: limits decided locally at limit / replicas' : 'unreachable: limited requests refused with 503' };
}

export function registerHealth(app: FastifyInstance, deps: Deps): void {
  app.addHook('onSend', async (_req, _reply, payload) => (typeof payload === 'string' ? deps.redact(payload) : payload));

  app.get('/health', { schema: { summary: 'Liveness', tags: ['Operations'], response: { 200: livenessSchema } } }, async () => ({ status: 'ok' }));

  const readySchema = { summary: 'Readiness: 200 while anything can serve (log store possibly degraded), 503 otherwise', tags: ['Operations'], response: { 200: readinessSchema, 503: readinessSchema } };
  app.get('/health/ready', { schema: readySchema }, async (_req, reply) => {
    const checks: Record<string, Check> = { log_store: await logStoreCheck(deps), providers: providersCheck(deps), state: stateCheck(deps) };
    const values = Object.values(checks);
    // A check that fails but is served around (degraded) does not take the replica out of rotation.
    const ready = values.every((c) => c.ok || c.degraded === true);
    const status = !ready ? 'not_ready' : values.some((c) => c.degraded) ? 'degraded' : 'ready';
    const state = { backend: deps.state.backend, degraded: deps.state.degraded, failure_mode: deps.state.failureMode };
    return reply.status(ready ? 200 : 503).send({ status, checks, state });
  });

  app.get('/health/providers', { schema: { summary: 'Per-provider health: probes, circuits, models', tags: ['Operations'] } }, async () => {
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
