// A secret that contains JSON syntax (quotes, backslashes) must not turn logging into a failure of the request:
// the body is either redacted and still valid JSON, or withheld, and the secret never survives.
import { describe, expect, it } from 'vitest';
import { makeRedactor } from '../../src/redact.js';
import { toLogEntry } from '../../src/request-log/entry.js';

// The last one matches the body's own JSON structure (`"role":"user","content"`), so redacting breaks the text.
const NASTY = ['ab"cd-secret-1', 'ab\\cd-secret-2', '":"x-secret-3', 'sk-\\"},{"-secret-4', 'r","con'];

describe('toLogEntry with secrets made of JSON syntax', () => {
  for (const secret of NASTY) {
    it(`keeps the body parseable and free of ${JSON.stringify(secret)}`, () => {
      const redact = makeRedactor([secret]);
      const entry = toLogEntry(
        {
          requestId: 'r1',
          startedAt: new Date(),
          endpoint: '/v1/chat/completions',
          stream: false,
          status: 200,
          latencyMs: 1,
          attempts: [],
          request: { model: 'm', messages: [{ role: 'user', content: `my key is ${secret} and "${secret}"` }] },
          toolCalls: [{ id: 't', type: 'function', function: { name: 'f', arguments: JSON.stringify({ key: secret }) } }],
        },
        true,
        redact,
      );
      for (const text of [entry.request.requestBodyJson, entry.request.toolCallsJson]) {
        expect(text).toBeTypeOf('string');
        const parsed: unknown = JSON.parse(text as string);
        expect(JSON.stringify(parsed)).not.toContain(JSON.stringify(secret).slice(1, -1));
        expect(text).not.toContain(secret);
      }
    });
  }
});
