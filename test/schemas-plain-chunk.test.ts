// plainChunk may only ever accept what chatCompletionChunkSchema accepts, and must answer with the same value:
// checked over every OpenAI-wire streamed chunk we have (our fixtures, and the recorded ones when ../shared is
// there), each also with its fields broken one at a time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chatCompletionChunkSchema } from '../src/schemas/chat-response.js';
import { plainChunk } from '../src/schemas/plain-chunk.js';
import { hasShared, missingSharedMessage, reportSkipped, SHARED_FIXTURES as SHARED } from './helpers/fixtures.js';

const OPENAI_WIRE = ['openai', 'openai-compatible', 'deepseek', 'mistral', 'ollama', 'lmstudio'];

function chunksIn(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split(/\r?\n/)) {
    const payload = line.startsWith('data:') ? line.slice(5).trim() : line.trim().startsWith('{') ? line.trim() : '';
    if (!payload || payload === '[DONE]') continue;
    try {
      out.push(JSON.parse(payload));
    } catch {
      // Not JSON (a comment, an event name): not a chunk.
    }
  }
  return out;
}

function recordedChunks(): unknown[] {
  const files: string[] = [];
  for (const dir of OPENAI_WIRE) {
    const local = join(import.meta.dirname, 'fixtures', dir);
    if (existsSync(local)) files.push(...readdirSync(local).filter((f) => /\.(sse|jsonl)$/.test(f)).map((f) => join(local, f)));
  }
  if (hasShared) {
    files.push(...readdirSync(SHARED).filter((f) => OPENAI_WIRE.some((p) => f.startsWith(`${p}-`)) && /\.(sse|jsonl)$/.test(f)).map((f) => join(SHARED, f)));
  } else if (process.env.CI === 'true') {
    throw new Error(`${missingSharedMessage}; CI=true requires the recorded chunks`);
  } else {
    reportSkipped(1, 'the recorded OpenAI-wire chunks of ../shared');
  }
  return files.flatMap((f) => chunksIn(readFileSync(f, 'utf8')));
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
/** The first choice (or a throwaway object when the sample has none) and its delta. */
const choice = (c: Obj): Obj => asObj(Array.isArray(c.choices) ? c.choices[0] : undefined);
const delta = (c: Obj): Obj => asObj(choice(c).delta);

const BREAKAGES: Array<[string, (c: Obj) => void]> = [
  ['id as number', (c) => (c.id = 1)],
  ['object renamed', (c) => (c.object = 'chat.completion')],
  ['created as string', (c) => (c.created = '1')],
  ['choices as object', (c) => (c.choices = {})],
  ['index missing', (c) => delete choice(c).index],
  ['delta missing', (c) => delete choice(c).delta],
  ['content as number', (c) => (delta(c).content = 5)],
  ['role as object', (c) => (delta(c).role = {})],
  ['finish_reason as number', (c) => (choice(c).finish_reason = 1)],
  ['usage malformed', (c) => (c.usage = { prompt_tokens: 'x' })],
  ['tool_calls malformed', (c) => (delta(c).tool_calls = [{ id: 3 }])],
];

describe('plainChunk', () => {
  const samples = recordedChunks();

  it('has OpenAI-wire chunks to check, most of them on the fast path', () => {
    expect(samples.length).toBeGreaterThan(20);
    const fast = samples.filter((s) => plainChunk(s) !== undefined).length;
    expect(fast).toBeGreaterThan(samples.length / 2);
  });

  it('accepts only what the schema accepts, and returns the same value the schema would', () => {
    const variants = samples.flatMap((sample) => [
      sample,
      ...BREAKAGES.map(([, breakIt]) => {
        const copy = structuredClone(sample) as Obj;
        breakIt(copy);
        return copy;
      }),
    ]);
    for (const value of variants) {
      const fast = plainChunk(value);
      if (fast === undefined) continue;
      const checked = chatCompletionChunkSchema.safeParse(value);
      expect(checked.success).toBe(true);
      expect(fast).toEqual(checked.data);
      expect(fast).toBe(value);
    }
  });

  it('leaves usage and tool-call chunks to the schema', () => {
    const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm' };
    expect(plainChunk({ ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })).toBeUndefined();
    expect(plainChunk({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 't', function: { name: 'f', arguments: '' } }] } }] })).toBeUndefined();
    expect(plainChunk({ ...base, choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] })).toBeDefined();
  });
});
