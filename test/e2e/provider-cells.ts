// The behaviour table as data: its cells, and the ones a provider itself cannot do. The end-to-end
// tests read it to decide what to assert (a clear 400, a degraded request, or nothing to observe), and the docs
// test checks that docs/providers.md lists exactly these.

export const TABLE_PROVIDERS = ['gemini', 'anthropic', 'mistral', 'deepseek', 'ollama', 'lmstudio'] as const;
export type TableProvider = (typeof TABLE_PROVIDERS)[number];

export const CELLS = {
  text: 'text; system and developer messages; multi-turn',
  imageData: 'image input: data URL',
  imageUrl: 'image input: https URL',
  tools: 'tools, tool_choice auto/none/required/named, parallel calls, streamed argument deltas',
  toolChoiceRequired: 'tool_choice required',
  toolResults: 'tool results',
  jsonObject: 'response_format json_object',
  jsonSchema: 'response_format json_schema',
  usage: 'usage, streamed with include_usage',
  usageDetails: 'cached and reasoning tokens in the usage details',
  finishLength: 'finish_reason length',
  finishContentFilter: 'finish_reason content_filter',
  sampling: 'temperature, top_p, stop, seed, max_tokens / max_completion_tokens',
  seed: 'seed',
  temperatureWithTopP: 'temperature and top_p together',
  reasoning: 'reasoning as reasoning_content',
  errors: 'errors mapped by the contract',
  listing: 'model listing',
  probe: 'health probe',
} as const;
export type Cell = keyof typeof CELLS;

/**
 * - rejected: the gateway answers a clear 400 and calls no upstream;
 * - degraded: the request goes through with the field dropped or emulated;
 * - absent:   the provider never produces it, so there is nothing for the gateway to map.
 */
export interface Cannot {
  how: 'rejected' | 'degraded' | 'absent';
  why: string;
}

export const CANNOT: Record<TableProvider, Partial<Record<Cell, Cannot>>> = {
  gemini: {},
  anthropic: {
    seed: { how: 'degraded', why: 'the Messages API has no seed parameter' },
    temperatureWithTopP: { how: 'degraded', why: 'Sonnet/Haiku 4.5, Opus 4.1 and later refuse the pair: top_p is dropped when temperature is set' },
  },
  mistral: {
    finishContentFilter: { how: 'absent', why: 'finish reasons are stop, length, model_length, tool_calls and error only' },
    usageDetails: { how: 'absent', why: 'no reasoning token count (cached tokens pass through when Mistral sends them)' },
  },
  deepseek: {
    imageData: { how: 'rejected', why: 'the chat models are text-only' },
    imageUrl: { how: 'rejected', why: 'the chat models are text-only' },
    jsonSchema: { how: 'rejected', why: 'JSON mode is json_object only' },
  },
  ollama: {
    toolChoiceRequired: { how: 'degraded', why: "/v1 ignores tool_choice: 'none' and a named tool are emulated by sending no or one tool, 'required' cannot be enforced" },
    finishContentFilter: { how: 'absent', why: 'done_reason is stop or length only' },
    usageDetails: { how: 'absent', why: 'reports prompt and completion counts only' },
  },
  lmstudio: {
    finishContentFilter: { how: 'absent', why: 'a local server has no content filter' },
    usageDetails: { how: 'absent', why: 'reports prompt and completion counts only' },
  },
};

/** The request each provider's model listing and health probe make at its default base URL (the e2e tests assert them, the docs quote them). */
export const WIRE_CALLS: Record<TableProvider, { listing: string; probe: string }> = {
  gemini: { listing: 'GET /v1beta/models?pageSize=1000', probe: 'GET /v1beta/models?pageSize=1' },
  anthropic: { listing: 'GET /v1/models?limit=1000', probe: 'GET /v1/models?limit=1' },
  mistral: { listing: 'GET /v1/models', probe: 'GET /v1/models' },
  deepseek: { listing: 'GET /v1/models', probe: 'GET /v1/models' },
  ollama: { listing: 'GET /api/tags', probe: 'GET /api/version' },
  lmstudio: { listing: 'GET /v1/models', probe: 'GET /v1/models' },
};

export function cannot(provider: TableProvider, cell: Cell): Cannot | undefined {
  return CANNOT[provider][cell];
}
