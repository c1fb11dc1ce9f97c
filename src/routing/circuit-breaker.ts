// A circuit breaker per deployment (provider + model): closed → open on consecutive failures or a high failure
// ratio → half-open after a cooldown, where one trial request decides between closed and open again.
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Failure ratio over the recent window that opens it (with at least minRequests in the window). */
  failureRatio: number;
  minRequests: number;
  windowMs: number;
  cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = {
  failureThreshold: 5,
  failureRatio: 0.5,
  minRequests: 10,
  windowMs: 60_000,
  cooldownMs: 30_000,
};

interface Outcome {
  at: number;
  ok: boolean;
}

export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private outcomes: Outcome[] = [];
  lastError: string | undefined;

  constructor(
    private readonly settings: BreakerSettings = DEFAULT_BREAKER,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get current(): CircuitState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.settings.cooldownMs) return 'half-open';
    return this.state;
  }

  /** Whether a request may go to this deployment now; in half-open only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.current;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    if (this.trialInFlight) return false;
    this.state = 'half-open';
    this.trialInFlight = true;
    return true;
  }

  /** Would a request be allowed, without taking the half-open trial slot. */
  isAvailable(): boolean {
    const state = this.current;
    return state === 'closed' || (state === 'half-open' && !this.trialInFlight);
  }

  retryAfterMs(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, this.settings.cooldownMs - (this.now() - this.openedAt));
  }

  onSuccess(): void {
    this.record(true);
    this.consecutiveFailures = 0;
    this.trialInFlight = false;
    this.state = 'closed';
  }

  onFailure(message?: string): void {
    this.record(false);
    this.lastError = message;
    this.consecutiveFailures++;
    const wasTrial = this.trialInFlight;
    this.trialInFlight = false;
    if (wasTrial || this.state === 'half-open' || this.shouldTrip()) this.open();
  }

  /** Closed, with no recent failure and no trial in flight: forgetting it forgets no evidence. */
  isIdle(): boolean {
    return this.state === 'closed' && this.consecutiveFailures === 0 && !this.trialInFlight;
  }

  /** A trial or attempt that ended without a verdict (client went away) frees the half-open slot. */
  release(): void {
    this.trialInFlight = false;
  }

  private shouldTrip(): boolean {
    if (this.consecutiveFailures >= this.settings.failureThreshold) return true;
    if (this.outcomes.length < this.settings.minRequests) return false;
    const failures = this.outcomes.filter((o) => !o.ok).length;
    return failures / this.outcomes.length >= this.settings.failureRatio;
  }

  private open(): void {
    this.state = 'open';
    this.openedAt = this.now();
    this.outcomes = [];
  }

  private record(ok: boolean): void {
    const now = this.now();
    this.outcomes.push({ at: now, ok });
    const cutoff = now - this.settings.windowMs;
    while (this.outcomes.length > 0 && (this.outcomes[0]?.at ?? now) < cutoff) this.outcomes.shift();
    if (this.outcomes.length > 200) this.outcomes.splice(0, this.outcomes.length - 200);
  }
}
