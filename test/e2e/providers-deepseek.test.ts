// DeepSeek through the gateway (DEEPSEEK_API_KEY + DEEPSEEK_BASE_URL → the fake OpenAI-wire upstream answering as
// DeepSeek does) with the openai client: the behaviour table, JSON and stream; images and json_schema get a clear 400.
import { WIRE_CALLS } from './provider-cells.js';
import { describeWireProvider, errorReply } from './openai-wire-harness.js';
import { TOOL_CHOICES } from './provider-scenarios.js';
import { USAGE } from './provider-harness.js';

const KEY = 'sk-deepseek-e2e';

describeWireProvider({
  name: 'deepseek',
  fake: { apiKey: KEY, models: ['deepseek-chat', 'deepseek-reasoner'] },
  env: (fake) => ({ DEEPSEEK_API_KEY: KEY, DEEPSEEK_BASE_URL: fake.baseUrl }),
  model: 'deepseek-chat',
  reasoningModel: 'deepseek-reasoner',
  reasoning: 'reasoning_content',
  toolStream: 'fragments',
  streamUsage: 'finish-when-asked',
  callIds: ['call_0_9f3b2c71', 'call_1_4a8e6d20'],
  // DeepSeek's own cache fields, without the OpenAI details object (wire doc §5): the gateway maps them.
  usage: {
    prompt_tokens: USAGE.prompt,
    completion_tokens: USAGE.completion,
    total_tokens: USAGE.prompt + USAGE.completion,
    prompt_cache_hit_tokens: USAGE.cached,
    prompt_cache_miss_tokens: USAGE.prompt - USAGE.cached,
    completion_tokens_details: { reasoning_tokens: USAGE.reasoning },
  },
  usageDetails: { cached: true, reasoning: true },
  finish: { length: 'length', content_filter: 'content_filter' },
  inlinesImages: false,
  toolChoice: (choice) => ({ tool_choice: TOOL_CHOICES[choice], tools: ['get_weather', 'get_time'] }),
  seedField: 'seed',
  toolResultNames: false,
  dropped: [],
  errors: (fake) => [
    {
      name: '402 Insufficient Balance → 502',
      reply: errorReply(fake, 402, { error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } }),
      status: 502,
      message: 'Insufficient Balance',
    },
    { name: '503 Server overloaded → 502', reply: errorReply(fake, 503, { error: { message: 'Server overloaded', type: 'server_error', param: null, code: null } }), status: 502 },
    {
      name: '422 Invalid Parameters → 400',
      reply: errorReply(fake, 422, { error: { message: 'Invalid max_tokens value', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }),
      status: 400,
      message: 'deepseek: Invalid max_tokens value',
    },
  ],
  listing: { request: WIRE_CALLS.deepseek.listing, models: ['deepseek-chat', 'deepseek-reasoner'] },
  probe: { request: WIRE_CALLS.deepseek.probe },
});
