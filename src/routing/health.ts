// Health per deployment (breaker + latency) and per provider (last active probe); what the router skips and
// what /health/providers and /health/ready report. Deployments are bounded: model names are the client's choice.
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerSettings, type CircuitState } from './circuit-breaker.js';

export interface ProbeResult {
  at: number;
  ok: boolean;
  latencyMs: number;
  error?: string;
  /** When the next probe is due; a provider that failed its probe is retried then (Retry-After on a 503). */
  nextAt?: number;
}

export type ProviderState = 'healthy' | 'degraded' | 'down';

export interface DeploymentReport {
  model: string;
  state: CircuitState;
  lastError?: string;
  latencyMs?: number;
  retryAfterMs: number;
}

interface Deployment {
  breaker: CircuitBreaker;
  /** Exponentially weighted moving average of upstream latency, for least-latency routing. */
  latencyEwmaMs: number | undefined;
}

/**
 * Deployments kept at most (default). 60,000 distinct client-chosen names once took the heap from 45 to 464 MB and
 * /health/providers to 7 MB (issue 11); real gateways serve tens to a few hundred models.
 */
export const MAX_DEPLOYMENTS = 1024;

/** Probe results kept per provider for the console's latency history. */
export const PROBE_HISTORY = 60;

/** Breaker trips remembered with their times, so the console counts a window's trips without an unbounded list. */
const TRIP_HISTORY = 1024;
/** Trips older than that ring are kept as counts per minute, for the console's longest window (a week). */
const MINUTE_MS = 60_000;
const TRIP_MINUTES_KEPT = 7 * 24 * 60;

/** How far from the least recently used end eviction looks for a closed circuit before it drops the oldest anyway. */
const EVICTION_SCAN = 64;

export class HealthTracker {
  /** Insertion order is recency: a deployment is moved to the end each time a request takes it. */
  private readonly deployments = new Map<string, Deployment>();
  /** The key last set at the Map's recent end (by a touch or a creation). */
  private mostRecent: string | undefined;
  private readonly probes = new Map<string, ProbeResult>();
  private readonly probeHistory = new Map<string, ProbeResult[]>();
  private readonly trips: number[] = [];
  /** Minute start (epoch ms) → trips of that minute that left the ring, oldest minute first. */
  private readonly olderTrips = new Map<number, number>();
  private readonly listeners: Array<(provider: string, model: string, state: CircuitState) => void> = [];

  constructor(
    private readonly settings: BreakerSettings = DEFAULT_BREAKER,
    private readonly now: () => number = () => Date.now(),
    private readonly maxDeployments: number = MAX_DEPLOYMENTS,
  ) {}

  get size(): number {
    return this.deployments.size;
  }

  private peek(provider: string, model: string): Deployment | undefined {
    return this.deployments.get(`${provider}/${model}`);
  }

  private deployment(provider: string, model: string, touch = false): Deployment {
    const key = `${provider}/${model}`;
    let d = this.deployments.get(key);
    if (d && touch) {
      // Already the most recent (one busy deployment): no Map delete and set on every request.
      if (key === this.mostRecent) return d;
      this.deployments.delete(key);
      this.deployments.set(key, d);
      this.mostRecent = key;
    } else if (!d) {
      d = { breaker: new CircuitBreaker(this.settings, this.now), latencyEwmaMs: undefined };
      this.deployments.set(key, d);
      this.mostRecent = key;
      if (this.deployments.size > this.maxDeployments) this.evict();
    }
    return d;
  }

  /**
   * Drops the least recently used deployment with a closed, idle circuit (forgetting it forgets only a latency
   * average); else the oldest closed one; an open circuit only when the oldest EVICTION_SCAN are all open.
   */
  private evict(): void {
    let scanned = 0;
    let oldest: string | undefined;
    let oldestClosed: string | undefined;
    for (const [key, d] of this.deployments) {
      oldest ??= key;
      if (d.breaker.isIdle()) {
        this.deployments.delete(key);
        return;
      }
      if (oldestClosed === undefined && d.breaker.current === 'closed') oldestClosed = key;
      if (++scanned >= EVICTION_SCAN) break;
    }
    const victim = oldestClosed ?? oldest;
    if (victim !== undefined) this.deployments.delete(victim);
  }

  onStateChange(listener: (provider: string, model: string, state: CircuitState) => void): void {
    this.listeners.push(listener);
  }

  /** Whether the last active probe found the provider unreachable (its deployments are then skipped). */
  isProviderDown(provider: string): boolean {
    const probe = this.probes.get(provider);
    return probe !== undefined && !probe.ok;
  }

  /** Takes the right to send one request (the half-open trial slot, when the circuit is half-open). */
  tryAcquire(provider: string, model: string): boolean {
    if (this.isProviderDown(provider)) return false;
    const d = this.deployment(provider, model, true);
    const before = d.breaker.current;
    const ok = d.breaker.tryAcquire();
    this.notify(provider, model, before, d.breaker.current);
    return ok;
  }

  isAvailable(provider: string, model: string): boolean {
    return !this.isProviderDown(provider) && (this.peek(provider, model)?.breaker.isAvailable() ?? true);
  }

  /** How long until this deployment may be tried again: the breaker's cooldown or the next probe. */
  retryAfterMs(provider: string, model: string): number {
    const breaker = this.peek(provider, model)?.breaker.retryAfterMs() ?? 0;
    const probe = this.probes.get(provider);
    const probeWait = probe && !probe.ok && probe.nextAt !== undefined ? Math.max(0, probe.nextAt - this.now()) : 0;
    return Math.max(breaker, probeWait);
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

  /** An attempt that ended without a verdict on the deployment (client gone, request rejected as invalid). */
  release(provider: string, model: string): void {
    this.peek(provider, model)?.breaker.release();
  }

  latency(provider: string, model: string): number | undefined {
    return this.peek(provider, model)?.latencyEwmaMs;
  }

  recordProbe(provider: string, result: ProbeResult): void {
    this.probes.set(provider, result);
    const history = this.probeHistory.get(provider) ?? [];
    history.push(result);
    if (history.length > PROBE_HISTORY) history.shift();
    this.probeHistory.set(provider, history);
  }

  /** The last PROBE_HISTORY probe results of a provider, oldest first. */
  probesOf(provider: string): readonly ProbeResult[] {
    return this.probeHistory.get(provider) ?? [];
  }

  /** Circuits that opened at or after `since` (epoch ms) since the process started. */
  tripsSince(since: number): number {
    let count = 0;
    for (const t of this.trips) if (t >= since) count++;
    // Trips that left the ring count by their minute: exact for the console's minute-aligned windows.
    if (this.trips.length === TRIP_HISTORY && this.trips[0]! >= since) for (const [minute, n] of this.olderTrips) if (minute >= since) count += n;
    return count;
  }

  lastProbe(provider: string): ProbeResult | undefined {
    return this.probes.get(provider);
  }

  /** Forget a provider (it was removed from the registry, e.g. a local server that went away). */
  forget(provider: string): void {
    this.probes.delete(provider);
    this.probeHistory.delete(provider);
    for (const key of [...this.deployments.keys()]) if (key.startsWith(`${provider}/`)) this.deployments.delete(key);
  }

  /** down: the last probe failed; degraded: some circuit is not closed; healthy otherwise. */
  providerState(provider: string): ProviderState {
    if (this.isProviderDown(provider)) return 'down';
    return this.deploymentsOf(provider).some((d) => d.state !== 'closed') ? 'degraded' : 'healthy';
  }

  /** Usable for readiness: not down, and not every known deployment's circuit open. */
  isProviderUsable(provider: string): boolean {
    if (this.isProviderDown(provider)) return false;
    const deployments = this.deploymentsOf(provider);
    return deployments.length === 0 || deployments.some((d) => d.state !== 'open');
  }

  /** Every deployment of a provider, for the health report and metrics. */
  deploymentsOf(provider: string): DeploymentReport[] {
    const prefix = `${provider}/`;
    return [...this.deployments.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, d]) => ({
        model: key.slice(prefix.length),
        state: d.breaker.current,
        lastError: d.breaker.lastError,
        latencyMs: d.latencyEwmaMs === undefined ? undefined : Math.round(d.latencyEwmaMs),
        retryAfterMs: d.breaker.retryAfterMs(),
      }));
  }

  private rememberOlderTrip(at: number): void {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    this.olderTrips.set(minute, (this.olderTrips.get(minute) ?? 0) + 1);
    const horizon = minute - TRIP_MINUTES_KEPT * MINUTE_MS;
    for (const kept of this.olderTrips.keys()) {
      if (kept >= horizon) break;
      this.olderTrips.delete(kept);
    }
  }

  private notify(provider: string, model: string, before: CircuitState, after: CircuitState): void {
    if (before === after) return;
    if (after === 'open') {
      this.trips.push(this.now());
      if (this.trips.length > TRIP_HISTORY) this.rememberOlderTrip(this.trips.shift()!);
    }
    for (const listener of this.listeners) listener(provider, model, after);
  }
}
