// What the console reads from the health registry: the last 60 probes per provider (oldest dropped first, forgotten
// with the provider) and the breaker trips of a window (each time a circuit opens, again after a failed trial).
import { describe, expect, it } from 'vitest';
import { HealthTracker, PROBE_HISTORY } from '../../src/routing/health.js';

const settings = { failureThreshold: 2, failureRatio: 1, minRequests: 1000, windowMs: 60_000, cooldownMs: 1_000 };

describe('health history', () => {
  it('keeps the last 60 probes of each provider in order', () => {
    const health = new HealthTracker();
    for (let i = 0; i < PROBE_HISTORY + 10; i++) health.recordProbe('a', { at: i, ok: i % 2 === 0, latencyMs: i });
    health.recordProbe('b', { at: 5, ok: true, latencyMs: 1 });
    const probes = health.probesOf('a');
    expect(probes).toHaveLength(60);
    expect(probes[0]!.at).toBe(10);
    expect(probes.at(-1)!.at).toBe(PROBE_HISTORY + 9);
    expect(health.probesOf('b')).toHaveLength(1);
    health.forget('a');
    expect(health.probesOf('a')).toEqual([]);
  });

  it('counts trips since a time, including a re-trip after a failed half-open trial', () => {
    let now = 1_000_000;
    const health = new HealthTracker(settings, () => now);
    expect(health.tripsSince(0)).toBe(0);
    health.onFailure('p', 'm', 'boom');
    expect(health.tripsSince(0)).toBe(0);
    health.onFailure('p', 'm', 'boom');
    expect(health.tripsSince(0)).toBe(1);
    now += 5_000;
    const trialTime = now;
    expect(health.tryAcquire('p', 'm')).toBe(true);
    health.onFailure('p', 'm', 'still down');
    expect(health.tripsSince(0)).toBe(2);
    expect(health.tripsSince(trialTime)).toBe(1);
    expect(health.tripsSince(now + 1)).toBe(0);
  });

  it('counts a window exactly past the 1,024 trips it keeps with their times (older ones by the minute)', () => {
    const minute = 60_000;
    let now = 28_000_000 * minute;
    const health = new HealthTracker(settings, () => now);
    const tripTimes: number[] = [];
    health.onFailure('p', 'm', 'boom');
    health.onFailure('p', 'm', 'boom');
    tripTimes.push(now);
    for (let i = 1; i < 3000; i++) {
      now += 2_000; // past the cooldown: the half-open trial fails and the circuit opens again
      expect(health.tryAcquire('p', 'm')).toBe(true);
      health.onFailure('p', 'm', 'still down');
      tripTimes.push(now);
    }
    expect(health.tripsSince(0)).toBe(3000);
    for (const since of [tripTimes[0]!, tripTimes[0]! + 7 * minute, tripTimes[0]! + 30 * minute, now - 10 * minute, now + 1]) {
      expect(health.tripsSince(since)).toBe(tripTimes.filter((t) => t >= since).length);
    }
  });
});
