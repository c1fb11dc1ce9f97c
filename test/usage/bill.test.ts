// Cost of one exchange: the answering deployment's provider type picks the price (a configured id of a known kind
// is billed as that kind), the config file's `prices:` override the table, and a stream without usage is billed on
// tokens estimated from its text.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { costHeader, estimatedUsage, estimateTokens, exchangeCost } from '../../src/usage/bill.js';
import { createPriceBook } from '../../src/usage/cost.js';

const registry = (types: Record<string, string>) => ({ config: (id: string) => (types[id] ? ({ type: types[id] } as never) : undefined) });
const usage = { prompt_tokens: 2_000, completion_tokens: 1_000 };

describe('exchangeCost per provider, for 2000 prompt and 1000 completion tokens', () => {
  const book = createPriceBook();
  const cases: Array<[string, string, string, number | undefined]> = [
    ['openai', 'openai', 'gpt-4o-mini', 0.0009], // 0.15 and 0.60 per million
    ['anthropic', 'anthropic', 'claude-3-5-haiku-20241022', 0.0056], // 0.80 and 4.00
    ['gemini', 'gemini', 'gemini-2.5-flash', 0.0031], // 0.30 and 2.50
    ['mistral', 'mistral', 'mistral-small-latest', 0.0005], // 0.10 and 0.30
    ['deepseek', 'deepseek', 'deepseek-chat', 0.00056], // 0.14 and 0.28
    ['team-openai', 'openai', 'gpt-4o-mini', 0.0009], // a configured id of a known kind
    ['local', 'ollama', 'llama3.2:latest', 0], // the operator's own hardware
    ['openai', 'openai', 'gpt-unknown-model', undefined], // unknown, not free
  ];
  for (const [id, type, model, expected] of cases) {
    it(`${id} (${type}) ${model}`, () => {
      const cost = exchangeCost(book, registry({ [id]: type }), id, model, usage);
      if (expected === undefined) expect(cost).toBeUndefined();
      else expect(cost).toBeCloseTo(expected, 12);
    });
  }
});

describe('the config file prices', () => {
  it('override the table for a provider/model and price a whole provider with provider/*', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-prices-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'prices:\n  openai/gpt-4o-mini: { input: 1, output: 2 }\n  my-vllm/*: { input: 0.5, output: 0.5 }\n');
    const config = loadConfig({ GATEWAY_CONFIG: file, MOCK_MODE: 'true' });
    const book = createPriceBook(config.prices);
    const types = registry({ openai: 'openai', 'my-vllm': 'openai-compatible' });
    expect(exchangeCost(book, types, 'openai', 'gpt-4o-mini', usage)).toBeCloseTo(0.004, 12);
    expect(exchangeCost(book, types, 'my-vllm', 'llama-70b', usage)).toBeCloseTo(0.0015, 12);
  });

  it('refuses a malformed price at start-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-prices-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'prices:\n  gpt-4o-mini: { input: 1, output: 2 }\n');
    expect(() => loadConfig({ GATEWAY_CONFIG: file })).toThrow(/prices/);
  });
});

describe('estimates and the header', () => {
  it('estimates about four characters a token, prompt from every message', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcde')).toBe(2);
    const request = { model: 'm', messages: [{ role: 'system', content: 'x'.repeat(40) }, { role: 'user', content: 'y'.repeat(8) }] } as never;
    expect(estimatedUsage(request, 'z'.repeat(400))).toEqual({ prompt_tokens: 12, completion_tokens: 100 });
  });

  it('writes fixed point without float noise or exponents', () => {
    expect(costHeader(0.00045)).toBe('0.00045');
    expect(costHeader(1e-9)).toBe('0.000000001');
    expect(costHeader(0)).toBe('0');
    expect(costHeader(12.5)).toBe('12.5');
  });
});
