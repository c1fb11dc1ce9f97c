// Mistral through the gateway (MISTRAL_API_KEY + MISTRAL_BASE_URL → the strict fake Mistral API) with the openai
// client: the behaviour table, JSON and stream. The fake answers 422 to any field Mistral does not know.
import { mistralExtraForbiddenBody } from '../fakes/openai-upstream.js';
import { WIRE_CALLS } from './provider-cells.js';
import { describeWireProvider, errorReply, openAIUsage } from './openai-wire-harness.js';

const KEY = 'mistral-e2e-key';
const BOTH = ['get_weather', 'get_time'];

describeWireProvider({
  name: 'mistral',
  fake: { mode: 'mistral', apiKey: KEY, models: ['mistral-small-latest', 'magistral-medium-latest', 'mistral-embed'] },
  env: (fake) => ({ MISTRAL_API_KEY: KEY, MISTRAL_BASE_URL: fake.baseUrl }),
  model: 'mistral-small-latest',
  reasoningModel: 'magistral-medium-latest',
  reasoning: 'mistral-content',
  toolStream: 'mistral',
  streamUsage: 'finish-always',
  callIds: ['a1B2c3D4e', 'f5G6h7J8k'],
  usage: openAIUsage({ cached: true }),
  usageDetails: { cached: true, reasoning: false },
  finish: { length: 'model_length' },
  inlinesImages: false,
  // `required` is `any`; a named tool is `any` over that one tool.
  toolChoice: (choice) =>
    ({
      auto: { tool_choice: 'auto', tools: BOTH },
      none: { tool_choice: 'none', tools: BOTH },
      required: { tool_choice: 'any', tools: BOTH },
      named: { tool_choice: 'any', tools: ['get_time'] },
    })[choice],
  seedField: 'random_seed',
  toolResultNames: true,
  dropped: ['seed', 'user', 'metadata', 'store', 'service_tier', 'logit_bias', 'stream_options'],
  errors: (fake) => [
    {
      name: '422 extra_forbidden → 400 naming the field',
      reply: errorReply(fake, 422, mistralExtraForbiddenBody(['body', 'top_k'], 5)),
      status: 400,
      message: 'body.top_k: Extra inputs are not permitted',
    },
    { name: '401 → 502', reply: errorReply(fake, 401, { message: 'Unauthorized', request_id: 'e2e' }), status: 502, code: 'upstream_auth_error' },
    { name: '429 → 429 + Retry-After', reply: errorReply(fake, 429, { message: 'Requests rate limit exceeded' }, { 'retry-after': '3' }), status: 429, retryAfter: '3' },
  ],
  listing: { request: WIRE_CALLS.mistral.listing, models: ['mistral-small-latest', 'magistral-medium-latest'] },
  probe: { request: WIRE_CALLS.mistral.probe },
});
