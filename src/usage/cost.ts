// What a request cost in USD: the price of a provider's model (operator overrides, then the repo's table, then 0 for
// local providers) and the arithmetic over a usage's token kinds.
import { BUILT_IN_PRICES, type Price, type PriceOverrides, type Rates } from './prices.js';

/** Providers that run on the operator's own hardware: free unless the operator prices them. */
const LOCAL_TYPES = new Set(['ollama', 'lmstudio', 'mock', 'openai-compatible']);
const FREE: Price = Object.freeze({ input: 0, output: 0 });

/**
 * Snapshot suffixes a vendor appends to a family name: `-2024-08-06`, `-20250929`, `@20250929`, `-0613`, `-001`,
 * `-latest`. Only these are stripped; there is no open-ended prefix match, because `gpt-4o-audio-preview` must not
 * be billed as `gpt-4o`: an unknown model stays unknown (undefined) and the operator prices it.
 */
const SNAPSHOT = /(?:-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-\d{3,4}|-latest)$/;

// Lookups repeat for every request with the same few models; the memo is cleared when it grows past this.
const MEMO_LIMIT = 5_000;

export interface PricedProvider {
  id: string;
  type: string;
}

/** The model name, then without a path (`models/gemini-2.5-pro`), then without snapshot suffixes, one at a time. */
function candidates(model: string): string[] {
  const names = [model];
  let name = model.slice(model.lastIndexOf('/') + 1);
  if (name !== model) names.push(name);
  for (let stripped = name.replace(SNAPSHOT, ''); stripped !== name && stripped !== ''; stripped = name.replace(SNAPSHOT, '')) {
    names.push(stripped);
    name = stripped;
  }
  return names;
}

export interface PriceBook {
  /** undefined: a paid provider's model with no known price (so its cost is unknown, not 0). */
  priceFor(provider: PricedProvider, model: string): Price | undefined;
}

export function createPriceBook(overrides: PriceOverrides = {}): PriceBook {
  const memo = new Map<string, Price | undefined>();

  function lookup(provider: PricedProvider, model: string): Price | undefined {
    const names = candidates(model);
    for (const owner of provider.type === provider.id ? [provider.id] : [provider.id, provider.type]) {
      for (const name of names) {
        const price = overrides[`${owner}/${name}`];
        if (price) return price;
      }
      const whole = overrides[`${owner}/*`];
      if (whole) return whole;
    }
    const table = BUILT_IN_PRICES[provider.type];
    if (table) {
      for (const name of names) if (Object.hasOwn(table, name)) return table[name];
    }
    return LOCAL_TYPES.has(provider.type) ? FREE : undefined;
  }

  return {
    priceFor(provider, model) {
      const key = `${provider.id}\u0000${provider.type}\u0000${model}`;
      if (memo.has(key)) return memo.get(key);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      const price = lookup(provider, model);
      memo.set(key, price);
      return price;
    },
  };
}

/**
 * The token counts cost reads. OpenAI's conventions: prompt_tokens includes cache reads and writes, and
 * completion_tokens includes reasoning. Cache writes come as Anthropic's top-level `cache_creation_input_tokens`
 * (an adapter adds it beside OpenAI's fields); cache reads as `prompt_tokens_details.cached_tokens` or, failing
 * that, Anthropic's `cache_read_input_tokens`.
 */
export interface BillableUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** USD, rounded to a billionth of a cent so sums of many requests do not carry float noise. */
export function costOf(usage: BillableUsage, price: Price): number {
  const prompt = usage.prompt_tokens;
  const rates: Rates = price.long_context && prompt > price.long_context.above_prompt_tokens ? price.long_context : price;
  const cacheRead = Math.min(prompt, usage.prompt_tokens_details?.cached_tokens ?? usage.cache_read_input_tokens ?? 0);
  const cacheWrite = Math.min(prompt - cacheRead, usage.cache_creation_input_tokens ?? 0);
  const reasoning = Math.min(usage.completion_tokens, usage.completion_tokens_details?.reasoning_tokens ?? 0);
  const perMillion =
    (prompt - cacheRead - cacheWrite) * rates.input +
    cacheRead * (rates.cached_read ?? rates.input) +
    cacheWrite * (rates.cache_write ?? rates.input) +
    (usage.completion_tokens - reasoning) * rates.output +
    reasoning * (rates.reasoning ?? rates.output);
  return Math.round(perMillion * 1e5) / 1e11;
}
