// LM Studio through the gateway (LMSTUDIO_BASE_URL → the fake OpenAI-wire upstream) with the openai client: the
// behaviour table, JSON and stream. LM Studio reads only base64 images, so remote ones are inlined.
import { WIRE_CALLS } from './provider-cells.js';
import { describeWireProvider, errorReply, openAIUsage } from './openai-wire-harness.js';
import { TOOL_CHOICES } from './provider-scenarios.js';

describeWireProvider({
  name: 'lmstudio',
  fake: { models: ['qwen2.5-7b-instruct', 'text-embedding-nomic-embed-text-v1.5'] },
  env: (fake) => ({ LMSTUDIO_BASE_URL: fake.baseUrl }),
  model: 'qwen2.5-7b-instruct',
  reasoningModel: 'qwen3-8b',
  reasoning: 'reasoning_content',
  toolStream: 'fragments',
  streamUsage: 'chunk',
  callIds: ['365174485', '952367131'],
  usage: openAIUsage({}),
  usageDetails: { cached: false, reasoning: false },
  finish: { length: 'length' },
  inlinesImages: true,
  toolChoice: (choice) => ({ tool_choice: TOOL_CHOICES[choice], tools: ['get_weather', 'get_time'] }),
  seedField: 'seed',
  toolResultNames: false,
  dropped: [],
  errors: (fake) => [
    {
      name: '404 model not loaded → 404',
      reply: errorReply(fake, 404, { error: 'Model "nope" not found. Please load it in LM Studio first.' }),
      status: 404,
      message: 'Please load it in LM Studio first',
    },
    { name: '400 → 400', reply: errorReply(fake, 400, { error: "'url' field must be a base64 encoded image." }), status: 400, message: 'must be a base64 encoded image' },
  ],
  listing: { request: WIRE_CALLS.lmstudio.listing, models: ['qwen2.5-7b-instruct'] },
  probe: { request: WIRE_CALLS.lmstudio.probe },
});
