// The shared redactor: raw and JSON-escaped forms of every secret, longest first; inactive without secrets.
import { describe, expect, it } from 'vitest';
import { makeRedactor } from '../src/redact.js';

describe('makeRedactor', () => {
  it('replaces a secret raw and as it appears inside serialised JSON', () => {
    const secret = 'sk-"quoted\\slash';
    const redact = makeRedactor([secret, undefined]);
    expect(redact.active).toBe(true);
    const json = JSON.stringify({ error: `bad key ${secret}` });
    expect(json).not.toContain(secret);
    expect(redact(json)).toBe('{"error":"bad key [REDACTED]"}');
    expect(redact(`plain ${secret}`)).toBe('plain [REDACTED]');
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const redact = makeRedactor(['abcdef', 'abcdef-longer']);
    expect(redact('x abcdef-longer y abcdef')).toBe('x [REDACTED] y [REDACTED]');
  });

  it('is inactive and returns text unchanged without secrets worth matching', () => {
    const redact = makeRedactor(['short', undefined]);
    expect(redact.active).toBe(false);
    expect(redact('short text')).toBe('short text');
  });
});
