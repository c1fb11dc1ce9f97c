// One gateway in front of every fake (mock, an OpenAI-wire upstream, Gemini, Anthropic through the pass-through) and
// the real @anthropic-ai/sdk pointed at it; each target scripts the same canonical answers in its own wire format.
import Anthropic from '@anthropic-ai/sdk';
import { anthropicMessage, startFakeAnthropic, type FakeAnthropic, type Json } from '../../../fakes/anthropic-upstream.js';
import { FakeGeminiUpstream } from '../../../fakes/gemini-upstream.js';
import { chunkBody, completionBody, startFakeOpenAI, usageChunkBody, type FakeUpstream } from '../../../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../../../helpers/gateway.js';

export const GATEWAY_KEY = 'gw-messages-key-0123456789';
export const TEXT = 'Paris is the capital of France.';
export const REASONING = 'The user asks for a capital; Paris.';
export const CALL = { name: 'get_weather', args: { city: 'Paris' } } as const;
/** Gemini signs its function calls; the gateway must hand the signature back on the next turn. */
export const GEMINI_SIGNATURE = 'c2lnbmF0dXJlLWdlbWluaQ==';
/** Anthropic signs its thinking blocks; through the pass-through the client sees and replays this one. */
export const ANTHROPIC_SIGNATURE = 'c2lnbmF0dXJlLWFudGhyb3BpYw==';
/** 11 prompt tokens (4 cached), 7 completion tokens. */
export const USAGE = { prompt: 11, completion: 7, cached: 4 } as const;

export const WEATHER_TOOL: Anthropic.Tool = {
  name: CALL.name,
  description: 'Current weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

export type AnswerKind = 'text' | 'tools' | 'reasoning-tools' | 'reasoning';

export interface Target {
  name: 'mock' | 'openai' | 'gemini' | 'anthropic';
  /** The model a client names. */
  model: string;
  tools: boolean;
  reasoning: boolean;
  /** Relayed untranslated (a provider speaking the Messages API): the client sees the upstream's own bytes. */
  passthrough?: boolean;
  /** Expected usage as the Anthropic client sees it. */
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number };
  /** Scripts the next answer; the mock answers by itself (echo). */
  reply(answer: AnswerKind, stream: boolean): void;
  /** Chat bodies the fake received, oldest first. */
  bodies(): unknown[];
}

const anthropicUsage = { input_tokens: USAGE.prompt - USAGE.cached, cache_read_input_tokens: USAGE.cached, cache_creation_input_tokens: 0, output_tokens: USAGE.completion };
const openAIUsage = { prompt_tokens: USAGE.prompt, completion_tokens: USAGE.completion, total_tokens: USAGE.prompt + USAGE.completion, prompt_tokens_details: { cached_tokens: USAGE.cached } };
const expectedUsage = { input_tokens: USAGE.prompt - USAGE.cached, output_tokens: USAGE.completion, cache_read_input_tokens: USAGE.cached };

function openAITarget(fake: FakeUpstream): Target {
  const reply = (answer: AnswerKind, stream: boolean) => {
    const reasoning = answer.startsWith('reasoning') ? REASONING : undefined;
    const call = answer.endsWith('tools') ? { id: 'call_e2eWeather01', function: { name: CALL.name, arguments: JSON.stringify(CALL.args) } } : undefined;
    const content = call ? null : TEXT;
    if (!stream) return fake.enqueue({ json: completionBody({ content, reasoningContent: reasoning, toolCalls: call && [call], usage: openAIUsage }) });
    const args = call?.function.arguments ?? '';
    const sse = [
      chunkBody({ role: 'assistant', content: '' }),
      ...(reasoning ? [chunkBody({ reasoning_content: reasoning.slice(0, 9) }), chunkBody({ reasoning_content: reasoning.slice(9) })] : []),
      ...(call
        ? [
            chunkBody({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: CALL.name, arguments: '' } }] }),
            chunkBody({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, 5) } }] }),
            chunkBody({ tool_calls: [{ index: 0, function: { arguments: args.slice(5) } }] }),
          ]
        : [chunkBody({ content: TEXT.slice(0, 6) }), chunkBody({ content: TEXT.slice(6) })]),
      chunkBody({}, { finishReason: call ? 'tool_calls' : 'stop' }),
      usageChunkBody(openAIUsage),
    ];
    fake.enqueue({ sse });
  };
  const bodies = () => fake.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body);
  return { name: 'openai', model: 'openai/gpt-4o-mini', tools: true, reasoning: true, usage: expectedUsage, reply, bodies };
}

function geminiTarget(fake: FakeGeminiUpstream): Target {
  const usageMetadata = { promptTokenCount: USAGE.prompt, candidatesTokenCount: USAGE.completion, cachedContentTokenCount: USAGE.cached, totalTokenCount: USAGE.prompt + USAGE.completion };
  const response = (parts: Json[], finishReason?: string) => ({
    candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason ? { finishReason } : {}) }],
    usageMetadata,
    modelVersion: 'gemini-2.5-flash',
  });
  const reply = (answer: AnswerKind, stream: boolean) => {
    const parts: Json[] = [];
    if (answer.startsWith('reasoning')) parts.push({ text: REASONING, thought: true });
    parts.push(answer.endsWith('tools') ? { functionCall: { name: CALL.name, args: CALL.args }, thoughtSignature: GEMINI_SIGNATURE } : { text: TEXT });
    if (!stream) return fake.reply({ kind: 'json', body: response(parts, 'STOP') });
    fake.reply({ kind: 'sse', events: parts.map((p, i) => response([p], i === parts.length - 1 ? 'STOP' : undefined)) });
  };
  const bodies = () => fake.requests.filter((r) => r.action === 'generateContent' || r.action === 'streamGenerateContent').map((r) => r.body);
  return { name: 'gemini', model: 'gemini/gemini-2.5-flash', tools: true, reasoning: true, usage: expectedUsage, reply, bodies };
}

function anthropicTarget(fake: FakeAnthropic): Target {
  const reply = (answer: AnswerKind) => {
    const content: Json[] = [];
    if (answer.startsWith('reasoning')) content.push({ type: 'thinking', thinking: REASONING, signature: ANTHROPIC_SIGNATURE });
    if (answer.endsWith('tools')) content.push({ type: 'tool_use', id: 'toolu_01E2eWeather', name: CALL.name, input: CALL.args });
    else content.push({ type: 'text', text: TEXT });
    // The fake turns the whole message into the matching event sequence when the request streams.
    fake.reply({ kind: 'message', message: anthropicMessage({ content, stop_reason: answer.endsWith('tools') ? 'tool_use' : 'end_turn', usage: anthropicUsage }) });
  };
  const bodies = () => fake.requests.filter((r) => r.method === 'POST' && r.url === '/v1/messages').map((r) => r.body);
  return { name: 'anthropic', model: 'anthropic/claude-sonnet-4-5', tools: true, reasoning: true, passthrough: true, usage: expectedUsage, reply, bodies };
}

const mockTarget: Target = {
  name: 'mock',
  model: 'mock/echo',
  tools: false,
  reasoning: false,
  // The mock counts words: "Capital of France?" is 3 prompt tokens, echoed as 3 completion tokens.
  usage: { input_tokens: 3, output_tokens: 3, cache_read_input_tokens: 0 },
  reply: () => undefined,
  bodies: () => [],
};

export interface MessagesWorld {
  gateway: TestGateway;
  client: Anthropic;
  openai: FakeUpstream;
  gemini: FakeGeminiUpstream;
  anthropic: FakeAnthropic;
  targets: Target[];
  close(): Promise<void>;
}

/** Three fakes, a gateway and its PGlite log store: slow to start on a shared, loaded machine. */
export const WORLD_START_TIMEOUT_MS = 120_000;

export interface WorldOptions {
  /** Config-file aliases: name → one provider/model target. */
  aliases?: Record<string, string>;
  env?: Record<string, string>;
  /** Upstream retries per target (0 unless a test is about them). */
  retries?: number;
}

export async function startMessagesWorld({ aliases = {}, env = {}, retries = 0 }: WorldOptions = {}): Promise<MessagesWorld> {
  const [openai, gemini, anthropic] = await Promise.all([
    startFakeOpenAI({ models: ['gpt-4o-mini'], apiKey: 'sk-openai-upstream' }),
    FakeGeminiUpstream.start({ apiKey: 'gemini-upstream-key' }),
    startFakeAnthropic({ apiKey: 'sk-ant-upstream' }),
  ]);
  const gateway = await startGateway({
    env: {
      GATEWAY_API_KEYS: GATEWAY_KEY,
      OPENAI_API_KEY: 'sk-openai-upstream',
      OPENAI_BASE_URL: openai.baseUrl,
      GEMINI_API_KEY: 'gemini-upstream-key',
      GEMINI_BASE_URL: gemini.baseUrl,
      ANTHROPIC_API_KEY: 'sk-ant-upstream',
      ANTHROPIC_BASE_URL: anthropic.baseUrl,
      PROBE_INTERVAL_MS: '0',
      ...env,
    },
    configure: (c) => {
      c.routing.retries = retries;
      c.routing.backoff_base_ms = 10;
      c.providers.push({ id: 'mock', type: 'mock', baseUrl: '', options: { delayMs: '1' } });
      for (const [name, model] of Object.entries(aliases)) c.routes.push({ name, strategy: 'fallback', targets: [{ model, weight: 1 }] });
    },
  });
  // The SDK appends /v1/messages to the server root, as it does to https://api.anthropic.com.
  const client = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.url, maxRetries: 0 });
  return {
    gateway,
    client,
    openai,
    gemini,
    anthropic,
    targets: [mockTarget, openAITarget(openai), geminiTarget(gemini), anthropicTarget(anthropic)],
    async close() {
      await gateway.close();
      await Promise.all([openai.close(), gemini.close(), anthropic.close()]);
    },
  };
}
