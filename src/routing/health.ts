// Health per deployment (breaker + latency) and per provider (last probe); what the router skips and
// what /health/providers reports.
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerSettings, type CircuitState } from './circuit-breaker.js';

export interface ProbeResult {
  at: number;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

interface Deployment {
  breaker: CircuitBreaker;
  /** Exponentially weighted moving average of upstream latency, for least-latency routing. */
  latencyEwmaMs: number | undefined;
}

export class HealthTracker {
  private readonly deployments = new Map<string, Deployment>();
  private readonly probes = new Map<string, ProbeResult>();
  private readonly listeners: Array<(provider: string, model: string, state: CircuitState) => void> = [];

  constructor(
    private readonly settings: BreakerSettings = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {}

  private deployment(provider: string, model: string): Deployment {
    const key = `${provider}/${model}`;
    let d = this.deployments.get(key);
    if (!d) {
      d = { breaker: new CircuitBreaker(this.settings, this.now), latencyEwmaMs: undefined };
      this.deployments.set(key, d);
    }
    return d;
  }

  onStateChange(listener: (provider: string, model: string, state: CircuitState) => void): void {
    this.listeners.push(listener);
  }

  tryAcquire(provider: string, model: string): boolean {
    return this.deployment(provider, model).breaker.tryAcquire();
  }

  isAvailable(provider: string, model: string): boolean {
    return this.deployment(provider, model).breaker.isAvailable();
  }

  retryAfterMs(provider: string, model: string): number {
    return this.deployment(provider, model).breaker.retryAfterMs();
  }

  onSuccess(provider: string, model: string, latencyMs: number): void {
    const d = this.deployment(provider, model);
    const before = d.breaker.current;
    d.breaker.onSuccess();
    d.latencyEwmaMs = d.latencyEwmaMs === undefined ? latencyMs : d.latencyEwmaMs * 0.8 + latencyMs * 0.2;
    this.notify(provider, model, before, d.breaker.current);
  }

  onFailure(provider: string, model: string, message: string): void {
    const d = this.deployment(provider, model);
    const before = d.breaker.current;
    d.breaker.onFailure(message);
    this.notify(provider, model, before, d.breaker.current);
  }

  release(provider: string, model: string): void {
    this.deployment(provider, model).breaker.release();
  }

  latency(provider: string, model: string): number | undefined {
    return this.deployments.get(`${provider}/${model}`)?.latencyEwmaMs;
  }

  recordProbe(provider: string, result: ProbeResult): void {
    this.probes.set(provider, result);
  }

  lastProbe(provider: string): ProbeResult | undefined {
    return this.probes.get(provider);
  }

  /** Every deployment of a provider, for the health report and metrics. */
  deploymentsOf(provider: string): Array<{ model: string; state: CircuitState; lastError?: string; latencyMs?: number }> {
    const prefix = `${provider}/`;
    return [...this.deployments.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, d]) => ({
        model: key.slice(prefix.length),
        state: d.breaker.current,
        lastError: d.breaker.lastError,
        latencyMs: d.latencyEwmaMs === undefined ? undefined : Math.round(d.latencyEwmaMs),
      }));
  }

  private notify(provider: string, model: string, before: CircuitState, after: CircuitState): void {
    if (before === after) return;
    for (const listener of this.listeners) listener(provider, model, after);
  }
}
