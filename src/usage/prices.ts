// The price table's shape (USD per million tokens) for the figures in prices.json and for the operator's `prices:`
// section of the config file, which overrides or extends them per `provider/model` (or `provider/*`).
import { z } from 'zod';
import table from './prices.json' with { type: 'json' };

const perMillion = z.number().finite().nonnegative();

const rates = {
  /** Prompt tokens read from neither cache. */
  input: perMillion,
  output: perMillion,
  /** Prompt tokens read from the provider's prompt cache; absent: billed as input. */
  cached_read: perMillion.optional(),
  /** Prompt tokens written to the cache (Anthropic); absent: billed as input. */
  cache_write: perMillion.optional(),
  /** Reasoning tokens when priced apart from output; absent: billed as output. */
  reasoning: perMillion.optional(),
};

const rateSchema = z.strictObject(rates);

export const priceSchema = z.strictObject({
  ...rates,
  /** Google prices a whole request higher when its prompt is longer than this many tokens. */
  long_context: z.strictObject({ above_prompt_tokens: z.number().int().positive(), ...rates }).optional(),
});
export type Price = z.infer<typeof priceSchema>;
export type Rates = z.infer<typeof rateSchema>;

/** `prices:` in GATEWAY_CONFIG: `openai/gpt-4o`, `my-vllm/llama-3.1-70b`, or `my-vllm/*` for a whole provider. */
export const priceOverridesSchema = z.record(
  z.string().regex(/^[^/\s]+\/\S+$/, 'a price is keyed by provider/model (or provider/*)'),
  priceSchema,
);
export type PriceOverrides = z.infer<typeof priceOverridesSchema>;

const tableSchema = z.object({ providers: z.record(z.string(), z.record(z.string(), priceSchema)) });

/** The repo's table by provider type, checked once at start-up (a bad figure fails loudly, not as a wrong bill). */
export const BUILT_IN_PRICES: Readonly<Record<string, Readonly<Record<string, Price>>>> = tableSchema.parse(table).providers;
