// The circuit breaker and the health tracker on an injected clock: trip on consecutive failures or a failure
// ratio, cool down, one half-open trial, recover; providers whose probe failed are skipped.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerSettings } from '../../src/routing/circuit-breaker.js';
import { HealthTracker } from '../../src/routing/health.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const settings: BreakerSettings = { failureThreshold: 3, failureRatio: 0.5, minRequests: 6, windowMs: 10_000, cooldownMs: 5_000 };

describe('CircuitBreaker', () => {
  it('trips after the configured number of consecutive failures, not before', () => {
    const c = clock();
    const breaker = new CircuitBreaker(settings, c.now);
    breaker.onFailure('a');
    breaker.onFailure('b');
    expect(breaker.current).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onFailure('c');
    expect(breaker.current).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.lastError).toBe('c');
    expect(breaker.retryAfterMs()).toBe(5_000);
  });

  it('a success in between resets the consecutive count', () => {
    const breaker = new CircuitBreaker(settings, clock().now);
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.current).toBe('closed');
  });

  it('trips on the failure ratio once the window holds enough requests', () => {
    const c = clock();
    const breaker = new CircuitBreaker({ ...settings, failureThreshold: 100 }, c.now);
    // F S F S F: 60 % failures but only 5 requests, under minRequests.
    for (const ok of [false, true, false, true, false]) (ok ? breaker.onSuccess() : breaker.onFailure());
    expect(breaker.current).toBe('closed');
    breaker.onSuccess(); // 6 requests, 50 %: at the ratio → still needs a failure to be evaluated
    expect(breaker.current).toBe('closed');
    breaker.onFailure(); // 7 requests, 4 failures = 57 %
    expect(breaker.current).toBe('open');
  });

  it('forgets outcomes older than the window', () => {
    const c = clock();
    const breaker = new CircuitBreaker({ ...settings, failureThreshold: 100 }, c.now);
    for (let i = 0; i < 5; i++) breaker.onFailure();
    c.advance(settings.windowMs + 1);
    // The five old failures fell out: 1 failure in 6 recent requests is far under the ratio.
    for (let i = 0; i < 5; i++) breaker.onSuccess();
    breaker.onFailure();
    expect(breaker.current).toBe('closed');
  });

  it('cools down to half-open, lets exactly one trial through, and closes when it succeeds', () => {
    const c = clock();
    const breaker = new CircuitBreaker(settings, c.now);
    for (let i = 0; i < 3; i++) breaker.onFailure();
    c.advance(4_000);
    expect(breaker.current).toBe('open');
    expect(breaker.retryAfterMs()).toBe(1_000);
    c.advance(1_000);
    expect(breaker.current).toBe('half-open');
    expect(breaker.isAvailable()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.isAvailable()).toBe(false);
    breaker.onSuccess();
    expect(breaker.current).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('a failed trial opens it again for a full cooldown', () => {
    const c = clock();
    const breaker = new CircuitBreaker(settings, c.now);
    for (let i = 0; i < 3; i++) breaker.onFailure();
    c.advance(5_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onFailure('still down');
    expect(breaker.current).toBe('open');
    expect(breaker.retryAfterMs()).toBe(5_000);
    c.advance(4_999);
    expect(breaker.tryAcquire()).toBe(false);
    c.advance(1);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('a trial that ended without a verdict (client left) frees the slot for the next one', () => {
    const c = clock();
    const breaker = new CircuitBreaker(settings, c.now);
    for (let i = 0; i < 3; i++) breaker.onFailure();
    c.advance(5_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release();
    expect(breaker.tryAcquire()).toBe(true);
  });
});

describe('HealthTracker', () => {
  it('keeps one breaker per deployment: another model of the same provider is unaffected', () => {
    const health = new HealthTracker(settings, clock().now);
    for (let i = 0; i < 3; i++) health.onFailure('p', 'a', 'boom');
    expect(health.tryAcquire('p', 'a')).toBe(false);
    expect(health.tryAcquire('p', 'b')).toBe(true);
    expect(health.providerState('p')).toBe('degraded');
    expect(health.isProviderUsable('p')).toBe(true);
    expect(health.deploymentsOf('p')).toEqual(
      expect.arrayContaining([expect.objectContaining({ model: 'a', state: 'open', lastError: 'boom', retryAfterMs: 5_000 })]),
    );
  });

  it('reports state changes: open on the trip, closed after a good trial', () => {
    const c = clock();
    const health = new HealthTracker(settings, c.now);
    const changes: string[] = [];
    health.onStateChange((p, m, s) => changes.push(`${p}/${m}:${s}`));
    for (let i = 0; i < 3; i++) health.onFailure('p', 'a', 'x');
    c.advance(5_000);
    health.tryAcquire('p', 'a');
    health.onSuccess('p', 'a', 10);
    expect(changes).toEqual(['p/a:open', 'p/a:closed']);
  });

  it('skips every deployment of a provider whose last probe failed, until a probe succeeds', () => {
    const c = clock();
    const health = new HealthTracker(settings, c.now);
    health.recordProbe('p', { at: c.now(), ok: false, latencyMs: 3, error: 'ECONNREFUSED', nextAt: c.now() + 30_000 });
    expect(health.tryAcquire('p', 'a')).toBe(false);
    expect(health.isAvailable('p', 'b')).toBe(false);
    expect(health.providerState('p')).toBe('down');
    expect(health.isProviderUsable('p')).toBe(false);
    c.advance(10_000);
    expect(health.retryAfterMs('p', 'a')).toBe(20_000);
    health.recordProbe('p', { at: c.now(), ok: true, latencyMs: 3 });
    expect(health.tryAcquire('p', 'a')).toBe(true);
    expect(health.providerState('p')).toBe('healthy');
  });

  it('a provider whose every known circuit is open is not usable', () => {
    const health = new HealthTracker(settings, clock().now);
    for (let i = 0; i < 3; i++) health.onFailure('p', 'a', 'x');
    expect(health.isProviderUsable('p')).toBe(false);
    expect(health.isProviderUsable('never-seen')).toBe(true);
  });
});
