// Prometheus metrics (prom-client), one registry per app so tests and several apps in a process stay apart. Every
// `model` label is bounded (src/metric-labels.ts).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ModelCounter, ModelHistogram, ModelLabels } from './metric-labels.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { WriterStats } from './request-log/writer.js';
import type { CircuitState } from './routing/circuit-breaker.js';
import type { HealthTracker } from './routing/health.js';
import type { AttemptRecord, RouterObserver } from './routing/router.js';
import type { Target } from './routing/resolve.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

export const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class Metrics implements RouterObserver {
  readonly registry = new Registry();
  /** Decides each `model` label; services point it at the registry's listings (useCatalogue). */
  readonly models = new ModelLabels();
  readonly requests = new ModelCounter<{ route: string; provider: string; model: string; status: string }>(
    new Counter({ name: 'gateway_requests_total', help: 'Requests by route, provider, model and status', labelNames: ['route', 'provider', 'model', 'status'] as const, registers: [this.registry] }),
    this.models,
  );
  readonly attempts = new Counter({ name: 'gateway_upstream_attempts_total', help: 'Upstream attempts by provider, model, status and outcome', labelNames: ['provider', 'model', 'status', 'outcome'] as const, registers: [this.registry] });
  readonly upstreamLatency = new Histogram({ name: 'gateway_upstream_latency_seconds', help: 'Upstream attempt latency (until the answer, or the first token of a stream)', labelNames: ['provider', 'model', 'outcome'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly ttft = new ModelHistogram<{ provider: string; model: string }>(
    new Histogram({ name: 'gateway_time_to_first_token_seconds', help: 'Time from request to first streamed token sent', labelNames: ['provider', 'model'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] }),
    this.models,
  );
  readonly overhead = new Histogram({ name: 'gateway_overhead_seconds', help: 'Time spent in the gateway, excluding upstream wait', labelNames: ['route'] as const, buckets: OVERHEAD_BUCKETS, registers: [this.registry] });
  readonly retries = new Counter({ name: 'gateway_retries_total', help: 'Retries of the same deployment', labelNames: ['provider', 'model'] as const, registers: [this.registry] });
  readonly fallbacks = new Counter({ name: 'gateway_fallbacks_total', help: 'Moves from one deployment to the next', labelNames: ['from', 'to'] as const, registers: [this.registry] });
  readonly streamErrors = new ModelCounter<{ provider: string; model: string }>(
    new Counter({ name: 'gateway_stream_errors_total', help: 'Streams that failed after their first byte reached the client', labelNames: ['provider', 'model'] as const, registers: [this.registry] }),
    this.models,
  );
  readonly breakerState = new Gauge({ name: 'gateway_circuit_state', help: 'Circuit state per deployment: 0 closed, 1 half-open, 2 open', labelNames: ['provider', 'model'] as const, registers: [this.registry] });
  readonly fallbackSwitchTime = new Histogram({ name: 'gateway_fallback_switch_seconds', help: 'From a failed attempt\'s end to the fallback target\'s first byte, by the provider that answered', labelNames: ['provider'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly providerLatency = new Histogram({ name: 'gateway_provider_request_seconds', help: 'Whole request latency by the provider that answered (streams: until their end)', labelNames: ['provider'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly probes = new Counter({ name: 'gateway_probes_total', help: 'Active health probes by provider (success rate: gateway_probe_successes_total / this)', labelNames: ['provider'] as const, registers: [this.registry] });
  readonly probeSuccesses = new Counter({ name: 'gateway_probe_successes_total', help: 'Active health probes that reached the provider', labelNames: ['provider'] as const, registers: [this.registry] });
  readonly providerUp = new Gauge({ name: 'gateway_provider_up', help: '1 when the last active probe reached the provider, else 0', labelNames: ['provider'] as const, registers: [this.registry] });
  readonly probeLatency = new Gauge({ name: 'gateway_probe_latency_seconds', help: 'Latency of the last active probe', labelNames: ['provider'] as const, registers: [this.registry] });
  readonly tokens = new ModelCounter<{ provider: string; model: string; kind: string }>(
    new Counter({ name: 'gateway_tokens_total', help: 'Tokens by provider, model and kind', labelNames: ['provider', 'model', 'kind'] as const, registers: [this.registry] }),
    this.models,
  );
  readonly logQueue = new Gauge({ name: 'gateway_log_queue_depth', help: 'Log entries waiting in memory', registers: [this.registry] });
  readonly logSpilled = new Gauge({ name: 'gateway_log_spilled', help: 'Log entries waiting in the spill file', registers: [this.registry] });
  readonly logWritten = new Counter({ name: 'gateway_log_written_total', help: 'Log entries written to the store', registers: [this.registry] });
  readonly logDropped = new Counter({ name: 'gateway_log_dropped_total', help: 'Log entries dropped', registers: [this.registry] });
  readonly unknownRoutes = new Counter({ name: 'gateway_unknown_route_total', help: 'Requests for a route that does not exist, by method and path area (never the raw path)', labelNames: ['method', 'area'] as const, registers: [this.registry] });
  readonly logDegraded = new Gauge({ name: 'gateway_log_store_degraded', help: '1 while the log store is unreachable', registers: [this.registry] });
  readonly stateDegraded = new Gauge({ name: 'gateway_state_degraded', help: '1 while the shared state (Redis) is unreachable and limits are decided locally or refused', registers: [this.registry] });
  readonly stateDegradedDecisions = new Counter({ name: 'gateway_state_degraded_decisions_total', help: 'State decisions made while Redis was unreachable: locally (open) or refused (closed)', labelNames: ['operation', 'outcome'] as const, registers: [this.registry] });
  readonly limitRefusals = new Counter({ name: 'gateway_limit_refusals_total', help: 'Requests refused by the limits and budget stages, by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly budgetSoftThreshold = new Counter({ name: 'gateway_budget_soft_threshold_total', help: 'Budgets whose settled spend crossed their soft threshold (once per subject and period)', labelNames: ['subject'] as const, registers: [this.registry] });

  constructor(withDefaults = true) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry });
    this.stateDegraded.set(0);
  }

  /** The Redis adapter's StateMetrics: a decision made without Redis. */
  degradedDecision(operation: string, outcome: 'local' | 'refused'): void {
    this.stateDegradedDecisions.inc({ operation, outcome });
  }

  attempt(record: AttemptRecord, outcome: 'success' | 'failure'): void {
    const provider = record.provider;
    const model = this.models.label(provider, record.model);
    this.upstreamLatency.observe({ provider, model, outcome }, record.latencyMs / 1000);
    this.attempts.inc({ provider, model, status: String(record.status ?? 'none'), outcome });
  }

  retry(target: Target): void {
    this.retries.inc({ provider: target.provider, model: this.models.label(target.provider, target.model) });
  }

  fallback(from: Target, to: Target): void {
    this.fallbacks.inc({ from: this.models.target(from.provider, from.model), to: this.models.target(to.provider, to.model) });
  }

  fallbackSwitch(to: Target, ms: number): void {
    this.fallbackSwitchTime.observe({ provider: to.provider }, ms / 1000);
  }

  observeProbe(provider: string, ok: boolean, latencyMs: number): void {
    this.probes.inc({ provider });
    // Created at 0 with the first probe, so a provider that never answers still shows a rate (0 / n).
    this.probeSuccesses.inc({ provider }, ok ? 1 : 0);
    this.providerUp.set({ provider }, ok ? 1 : 0);
    this.probeLatency.set({ provider }, latencyMs / 1000);
  }

  forgetProvider(provider: string): void {
    this.providerUp.remove({ provider });
    this.probeLatency.remove({ provider });
    this.probes.remove({ provider });
    this.probeSuccesses.remove({ provider });
  }

  /** Scrape time: the writer's own counts (counters carry its totals) and every deployment's circuit. */
  sync(writer: WriterStats, health: HealthTracker, registry: ProviderRegistry): void {
    this.logQueue.set(writer.queued);
    this.logSpilled.set(writer.spilled);
    this.logDegraded.set(writer.degraded ? 1 : 0);
    setCounter(this.logWritten, writer.written);
    setCounter(this.logDropped, writer.dropped);
    // Breakers turn half-open by time alone, so the state is read now rather than pushed on changes. Rebuilt from
    // scratch: deployments the tracker evicted must not linger as series. Under a shared `other` label the worst
    // circuit shows.
    this.breakerState.reset();
    for (const provider of registry.all()) {
      const worst = new Map<string, number>();
      for (const d of health.deploymentsOf(provider.id)) {
        const model = this.models.label(provider.id, d.model);
        worst.set(model, Math.max(worst.get(model) ?? 0, CIRCUIT_STATE_VALUE[d.state]));
      }
      for (const [model, value] of worst) this.breakerState.set({ provider: provider.id, model }, value);
    }
  }
}

function setCounter(counter: Counter, total: number): void {
  counter.reset();
  counter.inc(total);
}
