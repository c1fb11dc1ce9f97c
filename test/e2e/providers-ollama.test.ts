// Ollama through the gateway (OLLAMA_BASE_URL → the fake Ollama server root: /v1 chat, /api/tags, /api/version)
// with the openai client: the behaviour table, JSON and stream. The fake refuses non-data image URLs, as Ollama does.
import { WIRE_CALLS } from './provider-cells.js';
import { describeWireProvider, errorReply, openAIUsage } from './openai-wire-harness.js';

const BOTH = ['get_weather', 'get_time'];

describeWireProvider({
  name: 'ollama',
  fake: { mode: 'ollama', models: ['llama3.2:latest', 'qwen3:8b'] },
  env: (fake) => ({ OLLAMA_BASE_URL: fake.baseUrl }),
  model: 'llama3.2:latest',
  reasoningModel: 'qwen3:8b',
  reasoning: 'reasoning',
  toolStream: 'whole',
  streamUsage: 'chunk',
  callIds: ['call_o2vnpxrw', 'call_k4j9d2qa'],
  usage: openAIUsage({}),
  usageDetails: { cached: false, reasoning: false },
  finish: { length: 'length' },
  inlinesImages: true,
  // /v1 ignores tool_choice: never sent; `none` sends no tools, a named tool only that one.
  toolChoice: (choice) => ({ auto: { tools: BOTH }, none: { tools: [] }, required: { tools: BOTH }, named: { tools: ['get_time'] } })[choice],
  seedField: 'seed',
  toolResultNames: false,
  dropped: [],
  errors: (fake) => [
    {
      name: '404 model not found → 404',
      reply: errorReply(fake, 404, { error: { message: 'model "llama9" not found, try pulling it first', type: 'not_found_error', param: null, code: null } }),
      status: 404,
      code: 'model_not_found',
      message: 'try pulling it first',
    },
    {
      name: '500 → 502',
      reply: errorReply(fake, 500, { error: { message: 'llama runner process has terminated', type: 'api_error', param: null, code: null } }),
      status: 502,
    },
  ],
  listing: { request: WIRE_CALLS.ollama.listing, models: ['llama3.2:latest', 'qwen3:8b'] },
  probe: { request: WIRE_CALLS.ollama.probe },
});
