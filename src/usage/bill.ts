// What one exchange cost: the price of the deployment that answered applied to its usage; for a stream the upstream
// cut before its usage chunk, an estimate from the text that was generated (about four characters a token), so a
// partial stream or a client disconnect is billed for what was produced.
import type { ProviderRegistry } from '../providers/registry.js';
import { contentText, type ChatRequest } from '../schemas/chat-request.js';
import { costOf, type BillableUsage, type PriceBook } from './cost.js';
import { estimateTokens } from './estimate.js';

export { estimateTokens };

/** Usage estimated from the request's messages and the text streamed so far. */
export function estimatedUsage(request: ChatRequest | undefined, generated: string): BillableUsage {
  let prompt = 0;
  if (request) for (const m of request.messages) prompt += estimateTokens(contentText(m.content));
  return { prompt_tokens: prompt, completion_tokens: estimateTokens(generated) };
}

/** USD, or undefined when the model has no known price (its cost is unknown, not 0). */
export function exchangeCost(prices: PriceBook, registry: Pick<ProviderRegistry, 'config'>, provider: string, model: string, usage: BillableUsage): number | undefined {
  const type = registry.config(provider)?.type ?? provider;
  const price = prices.priceFor({ id: provider, type }, model);
  return price ? costOf(usage, price) : undefined;
}

/** The header's text: fixed point (no exponent for tiny costs), trailing zeros dropped. */
export function costHeader(usd: number): string {
  return usd.toFixed(11).replace(/\.?0+$/, '') || '0';
}
