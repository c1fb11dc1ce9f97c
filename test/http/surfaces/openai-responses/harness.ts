// The gateways the client tests talk to: one in front of a fake OpenAI-wire upstream scripted per test (tool
// calls, JSON, reasoning, failures), one serving only the built-in mock. Plus raw helpers that check every body
// and stream event against OpenAI's schema.
import { expect } from 'vitest';
import { chunkBody, completionBody, startFakeOpenAI, usageBody, usageChunkBody, type FakeUpstream, type ToolCallBody } from '../../../fakes/openai-upstream.js';
import { startGateway, type GatewayOptions, type TestGateway } from '../../../helpers/gateway.js';
import { expectSchema, parseEventStream } from '../../../helpers/openai-schema.js';

export const GATEWAY_KEY = 'gw-responses-key-123456';
export const UPSTREAM_KEY = 'sk-upstream-responses-abcdef';
export const MODEL = 'openai/gpt-4o-mini';
/** Each gateway opens its own PGlite log store: on a loaded machine that takes longer than the default hook timeout. */
export const START_TIMEOUT_MS = 120_000;

export interface Bridge {
  fake: FakeUpstream;
  gateway: TestGateway;
  close(): Promise<void>;
}

export async function startBridge(env: Record<string, string> = {}, writer?: GatewayOptions['writer']): Promise<Bridge> {
  const fake = await startFakeOpenAI({ models: ['gpt-4o-mini'], apiKey: UPSTREAM_KEY });
  const gateway = await startGateway({
    writer,
    env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: fake.baseUrl, GATEWAY_API_KEYS: GATEWAY_KEY, ...env },
    configure: (c) => {
      c.routing.retries = 0;
      // These tests are about the bridge: OpenAI itself would get the request passed through.
      for (const p of c.providers) if (p.id === 'openai') p.options = { ...p.options, responses: 'false' };
    },
  });
  return { fake, gateway, close: async () => (await gateway.close(), await fake.close()) };
}

/** A gateway with no provider configured: the built-in mock answers (mock/echo repeats the last user message). */
export const startMockGateway = () => startGateway({ env: { GATEWAY_API_KEYS: GATEWAY_KEY } });

export interface Scripted {
  text?: string;
  reasoning?: string;
  toolCalls?: ToolCallBody[];
  finishReason?: string;
}

/** The chunks OpenAI would stream for that answer: role, reasoning, text in two pieces, tool calls in fragments, usage. */
function streamOf(answer: Scripted): Array<Record<string, unknown>> {
  const chunks = [chunkBody({ role: 'assistant', content: '' })];
  if (answer.reasoning) chunks.push(chunkBody({ reasoning_content: answer.reasoning }));
  if (answer.text) {
    const half = Math.ceil(answer.text.length / 2);
    chunks.push(chunkBody({ content: answer.text.slice(0, half) }), chunkBody({ content: answer.text.slice(half) }));
  }
  for (const [index, call] of (answer.toolCalls ?? []).entries()) {
    const args = call.function.arguments;
    chunks.push(chunkBody({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: args.slice(0, 3) } }] }));
    chunks.push(chunkBody({ tool_calls: [{ index, function: { arguments: args.slice(3) } }] }));
  }
  chunks.push(chunkBody({}, { finishReason: answer.finishReason ?? (answer.toolCalls ? 'tool_calls' : 'stop') }));
  chunks.push(usageChunkBody(usageBody(12, 7)));
  return chunks;
}

/** The fake's next chat request gets this answer, as JSON or as a stream, whichever the gateway asked for. */
export function script(fake: FakeUpstream, answer: Scripted): void {
  fake.enqueue((req) => {
    if ((req.body as { stream?: boolean }).stream) return { sse: streamOf(answer) };
    return { json: completionBody({ content: answer.text ?? null, toolCalls: answer.toolCalls, reasoningContent: answer.reasoning, finishReason: answer.finishReason, usage: usageBody(12, 7) }) };
  });
}

/** The chat request bodies the fake received, newest last. */
export const chatBodies = (fake: FakeUpstream) => fake.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body as Record<string, unknown>);

export interface RawResult {
  status: number;
  headers: Headers;
  body?: Record<string, unknown>;
  events?: Array<Record<string, unknown>>;
}

/** POST /v1/responses with fetch; every body and event is checked against the schema before the test sees it. */
export async function postResponses(gateway: TestGateway, body: Record<string, unknown>): Promise<RawResult> {
  const res = await fetch(`${gateway.baseURL}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    expect(text).not.toContain('[DONE]');
    const events = parseEventStream(text);
    for (const event of events) expectSchema('ResponseStreamEvent', event);
    return { status: res.status, headers: res.headers, events };
  }
  const json = JSON.parse(text) as Record<string, unknown>;
  expectSchema(res.status === 200 ? 'Response' : 'ErrorResponse', json);
  return { status: res.status, headers: res.headers, body: json };
}
