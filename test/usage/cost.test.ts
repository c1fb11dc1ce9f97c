// Cost per request: prices by provider and model (snapshots, overrides, local providers free, unknown paid models
// unknown), the arithmetic over cached, cache-write and reasoning tokens, and the table's figures against its source.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromAnthropicUsage } from '../../src/providers/anthropic.wire.js';
import { makeUsage } from '../../src/schemas/chat-response.js';
import { costOf, createPriceBook, type PricedProvider } from '../../src/usage/cost.js';
import { BUILT_IN_PRICES, priceOverridesSchema, type Price } from '../../src/usage/prices.js';

const provider = (type: string, id = type): PricedProvider => ({ id, type });
const book = createPriceBook();
function price(type: string, model: string): Price {
  const found = book.priceFor(provider(type), model);
  if (!found) throw new Error(`no price for ${type}/${model}`);
  return found;
}

describe('priceFor', () => {
  it('finds dated snapshots under their family, and keeps a snapshot priced apart', () => {
    expect(price('openai', 'gpt-4o-2024-08-06')).toEqual(price('openai', 'gpt-4o'));
    expect(price('openai', 'gpt-4o')).toMatchObject({ input: 2.5, output: 10, cached_read: 1.25 });
    expect(price('openai', 'gpt-4o-2024-05-13')).toMatchObject({ input: 5, output: 15 });
    expect(price('anthropic', 'claude-sonnet-4-5-20250929')).toEqual(price('anthropic', 'claude-sonnet-4-5'));
    expect(price('gemini', 'models/gemini-2.5-flash')).toEqual(price('gemini', 'gemini-2.5-flash'));
  });

  it('leaves a paid provider’s unknown model unknown instead of guessing by prefix or charging 0', () => {
    expect(book.priceFor(provider('openai'), 'gpt-4o-audio-preview')).toBeUndefined();
    expect(book.priceFor(provider('anthropic'), 'claude-unreleased-9')).toBeUndefined();
    expect(book.priceFor(provider('mistral'), 'no-such-model')).toBeUndefined();
  });

  it('prices local providers at 0 unless the operator prices them', () => {
    for (const type of ['ollama', 'lmstudio', 'mock', 'openai-compatible']) {
      expect(costOf(makeUsage(1_000, 1_000), price(type, 'llama3.1:8b'))).toBe(0);
    }
    const priced = createPriceBook(priceOverridesSchema.parse({ 'my-vllm/*': { input: 0.2, output: 0.4 } }));
    expect(priced.priceFor(provider('openai-compatible', 'my-vllm'), 'meta-llama/Llama-3.1-70B')).toEqual({ input: 0.2, output: 0.4 });
    expect(priced.priceFor(provider('openai-compatible', 'other-vllm'), 'x')).toEqual({ input: 0, output: 0 });
  });

  it('lets overrides win, by provider id first, then by type, snapshots included', () => {
    const overrides = priceOverridesSchema.parse({
      'openai/gpt-4o': { input: 1, output: 2 },
      'openai-eu/gpt-4o': { input: 3, output: 4 },
      'anthropic/brand-new-model': { input: 7, output: 8 },
    });
    const priced = createPriceBook(overrides);
    expect(priced.priceFor(provider('openai'), 'gpt-4o-2024-11-20')).toEqual({ input: 1, output: 2 });
    expect(priced.priceFor(provider('openai', 'openai-eu'), 'gpt-4o')).toEqual({ input: 3, output: 4 });
    expect(priced.priceFor(provider('openai', 'openai-us'), 'gpt-4o')).toEqual({ input: 1, output: 2 });
    expect(priced.priceFor(provider('openai', 'openai-us'), 'gpt-4.1')).toEqual(price('openai', 'gpt-4.1'));
    expect(priced.priceFor(provider('anthropic'), 'brand-new-model')).toEqual({ input: 7, output: 8 });
  });
});

describe('costOf', () => {
  it('OpenAI: cached prompt tokens at the cached rate, the rest at input and output', () => {
    const usage = makeUsage(1_000, 500, { cached: 200 });
    // 800 × 2.5 + 200 × 1.25 + 500 × 10 per million
    expect(costOf(usage, price('openai', 'gpt-4o'))).toBe(0.00725);
  });

  it('reasoning tokens are output unless priced apart', () => {
    const usage = makeUsage(100, 1_000, { reasoning: 800 });
    expect(costOf(usage, price('openai', 'o3'))).toBe(0.0082);
    const apart = createPriceBook(priceOverridesSchema.parse({ 'openai/o3': { input: 2, output: 8, reasoning: 4 } }));
    // 100 × 2 + 200 × 8 + 800 × 4 per million
    expect(costOf(usage, apart.priceFor(provider('openai'), 'o3')!)).toBe(0.005);
  });

  it('Anthropic: cache writes and reads each at their own rate', () => {
    // 300 fresh + 500 written + 200 read = prompt_tokens 1000, as the Anthropic adapter reports it.
    const usage = { ...makeUsage(1_000, 100, { cached: 200 }), cache_creation_input_tokens: 500 };
    // 300 × 3 + 500 × 3.75 + 200 × 0.3 + 100 × 15 per million
    expect(costOf(usage, price('anthropic', 'claude-sonnet-4-5-20250929'))).toBe(0.004335);
  });

  it('Anthropic usage as the adapter translates it: reads come through cached_tokens', () => {
    const usage = fromAnthropicUsage({ input_tokens: 300, cache_read_input_tokens: 200, output_tokens: 100 });
    expect(costOf(usage, price('anthropic', 'claude-haiku-4-5'))).toBe((300 * 1 + 200 * 0.1 + 100 * 5) / 1e6);
    const raw = { prompt_tokens: 500, completion_tokens: 100, cache_read_input_tokens: 200 };
    expect(costOf(raw, price('anthropic', 'claude-haiku-4-5'))).toBe(costOf(usage, price('anthropic', 'claude-haiku-4-5')));
  });

  it('Gemini: a prompt past the long-context threshold prices the whole request at the higher tier', () => {
    const pro = price('gemini', 'gemini-2.5-pro');
    expect(costOf(makeUsage(100_000, 1_000), pro)).toBe((100_000 * 1.25 + 1_000 * 10) / 1e6);
    expect(costOf(makeUsage(200_000, 1_000), pro)).toBe((200_000 * 2.5 + 1_000 * 15) / 1e6);
  });

  it('Mistral, DeepSeek (cache hits) and embeddings', () => {
    expect(costOf(makeUsage(2_000, 1_000), price('mistral', 'mistral-large-latest'))).toBe((2_000 * 0.5 + 1_000 * 1.5) / 1e6);
    const ds = price('deepseek', 'deepseek-chat');
    expect(costOf(makeUsage(1_000, 100, { cached: 600 }), ds)).toBe((400 * ds.input + 600 * ds.cached_read! + 100 * ds.output) / 1e6);
    expect(costOf(makeUsage(1_000_000, 0), price('openai', 'text-embedding-3-small'))).toBe(0.02);
  });

  it('never bills more cached or reasoning tokens than the totals hold', () => {
    const odd = { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 50 }, completion_tokens_details: { reasoning_tokens: 9 } };
    expect(costOf(odd, { input: 1, output: 1, cached_read: 0.5, reasoning: 2 })).toBe((10 * 0.5 + 5 * 2) / 1e6);
  });
});

describe('price overrides schema', () => {
  it('refuses keys without provider/model, negative or unknown figures', () => {
    expect(priceOverridesSchema.safeParse({ 'gpt-4o': { input: 1, output: 1 } }).success).toBe(false);
    expect(priceOverridesSchema.safeParse({ 'openai/gpt-4o': { input: -1, output: 1 } }).success).toBe(false);
    expect(priceOverridesSchema.safeParse({ 'openai/gpt-4o': { input: 1, output: 1, cahced_read: 1 } }).success).toBe(false);
    expect(priceOverridesSchema.safeParse({ 'openai/gpt-4o': { input: 1 } }).success).toBe(false);
    expect(priceOverridesSchema.parse({ 'openai/gpt-4o': { input: 1, output: 2, cached_read: 0.5, cache_write: 1.25 } })).toBeTruthy();
  });
});

describe('the built-in table', () => {
  const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const SOURCE_FILES: Record<string, string> = { openai: 'openai', anthropic: 'anthropic', gemini: 'google', mistral: 'mistral-ai', deepseek: 'deepseek' };

  it('covers every paid provider type, each figure equal to its source (cents per token × 10⁴)', () => {
    for (const [type, file] of Object.entries(SOURCE_FILES)) {
      const source = JSON.parse(readFileSync(join(repoRoot, '..', 'shared', 'reference', 'pricing', `${file}.json`), 'utf8')) as Record<string, { pricing_config?: { pay_as_you_go?: Record<string, { price?: number }> } }>;
      const models = Object.entries(BUILT_IN_PRICES[type] ?? {});
      expect(models.length).toBeGreaterThan(3);
      for (const [model, ours] of models) {
        // Gemini's figures are its lower long-context tier where Google publishes tiers (the wider one when two are).
        const entry = source[`${model}-lte-200k`] ?? source[`${model}-lte-128k`] ?? source[model];
        const rates = entry?.pricing_config?.pay_as_you_go;
        expect(rates, `${type}/${model} in ${file}.json`).toBeDefined();
        expect(ours.input).toBeCloseTo((rates!.request_token?.price ?? Number.NaN) * 1e4, 9);
        expect(ours.output).toBeCloseTo((rates!.response_token?.price ?? Number.NaN) * 1e4, 9);
        if (ours.cached_read !== undefined) expect(ours.cached_read, `${type}/${model} cached`).toBeCloseTo((rates!.cache_read_input_token?.price ?? Number.NaN) * 1e4, 9);
      }
    }
  });
});
