// Budget periods on UTC boundaries and OpenAI's duration text for x-ratelimit-reset-*.
import { describe, expect, it } from 'vitest';
import { periodAt } from '../../src/keys/periods.js';
import { openAIDuration } from '../../src/pipeline/headers.js';

const at = (iso: string) => Date.parse(iso);

describe('periodAt', () => {
  it('cuts days, ISO weeks (from Monday) and months at UTC midnight; total never ends', () => {
    // A Sunday evening: the week began six days earlier, on Monday.
    const now = at('2026-11-29T23:30:00Z');
    expect(periodAt('day', now)).toEqual({ start: at('2026-11-29T00:00:00Z'), end: at('2026-11-30T00:00:00Z') });
    expect(periodAt('week', now)).toEqual({ start: at('2026-11-23T00:00:00Z'), end: at('2026-11-30T00:00:00Z') });
    expect(periodAt('week', at('2026-11-30T00:00:00Z')).start).toBe(at('2026-11-30T00:00:00Z'));
    expect(periodAt('month', now)).toEqual({ start: at('2026-11-01T00:00:00Z'), end: at('2026-12-01T00:00:00Z') });
    expect(periodAt('month', at('2026-12-31T23:59:59Z')).end).toBe(at('2027-01-01T00:00:00Z'));
    expect(periodAt('total', now)).toEqual({ start: 0, end: undefined });
  });
});

describe('openAIDuration', () => {
  it('writes Go durations as OpenAI sends them', () => {
    expect(openAIDuration(20)).toBe('20ms');
    expect(openAIDuration(0.2)).toBe('1ms');
    expect(openAIDuration(1_000)).toBe('1s');
    expect(openAIDuration(1_500)).toBe('1.5s');
    expect(openAIDuration(360_000)).toBe('6m0s');
    expect(openAIDuration(3_723_000)).toBe('1h2m3s');
  });
});
