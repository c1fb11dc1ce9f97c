// Micro-benchmark of the stream-path conformance check (`npx vitest bench test/providers/openai-compatible/conform.bench.ts`):
// a chunk that conforms costs one property read per choice; the baseline is the plain-chunk check every chunk pays anyway.
import { bench, describe } from 'vitest';
import { conformChunk } from '../../../src/providers/openai-compatible/conform.js';
import type { ChatCompletionChunk } from '../../../src/schemas/chat-response.js';
import { plainChunk } from '../../../src/schemas/plain-chunk.js';

const text = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'word ' }, finish_reason: null }] });
const missing = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'word ' } }] });

describe('per stream chunk', () => {
  bench('JSON.parse + plainChunk (today)', () => {
    plainChunk(JSON.parse(text));
  });
  bench('JSON.parse + plainChunk + conformChunk (conforming chunk)', () => {
    conformChunk(plainChunk(JSON.parse(text))!);
  });
  bench('JSON.parse + plainChunk + conformChunk + JSON.stringify (chunk without finish_reason)', () => {
    JSON.stringify(conformChunk(plainChunk(JSON.parse(missing)) as ChatCompletionChunk));
  });
});
