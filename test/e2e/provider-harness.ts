// What every provider's end-to-end file supplies to the shared scenarios (provider-scenarios.ts), the canonical
// answers each fake scripts in its own wire format, and the client-side helpers: a loopback image server, the
// image fetcher the tests inject, and a stream collector that checks the OpenAI chunk invariants.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { expect } from 'vitest';
import { createImageFetcher, type ImageFetcher } from '../../src/providers/inline-images.js';
import { createDispatcher } from '../../src/upstream/http.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import type { TableProvider } from './provider-cells.js';

export const GATEWAY_KEY = 'gw-e2e-key-0123456789';

/** Canonical answers: each provider file turns them into its vendor's wire format. */
export const TEXT = 'Paris is the capital of France.';
export const REASONING = 'The user asks about France; the capital is Paris.';
export const JSON_ANSWER = { answer: 42 };
export const CALLS = [
  { name: 'get_weather', args: { city: 'Paris' } },
  { name: 'get_time', args: { tz: 'Asia/Tokyo' } },
] as const;
/** 11 prompt tokens (4 of them cached), 7 completion tokens (3 of them reasoning). */
export const USAGE = { prompt: 11, completion: 7, cached: 4, reasoning: 3 } as const;

export type Answer =
  | { kind: 'text'; finish?: 'stop' | 'length' | 'content_filter' }
  | { kind: 'tools' }
  | { kind: 'reasoning' }
  | { kind: 'json' };

export type ToolChoiceCase = 'auto' | 'none' | 'required' | 'named';

export interface ErrorCase {
  name: string;
  /** Scripts the fake's failure for the next chat request. */
  reply(): void;
  status: number;
  code?: string;
  /** The client's error message contains this. */
  message?: string;
  retryAfter?: string;
}

export interface SentChat {
  /** Path and query, e.g. `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`. */
  url: string;
  body: unknown;
}

export interface ProviderHarness {
  name: TableProvider;
  /** Upstream model id for most scenarios, and one that reasons. */
  model: string;
  reasoningModel: string;
  ctx(): { client: OpenAI; gateway: TestGateway };
  reply(answer: Answer, stream: boolean): void;
  /** Chat requests the fake received since reset(): where they went and the translated bodies. */
  chats(): SentChat[];
  reset(): void;
  /** Remote images are downloaded and sent inline (else the URL goes upstream as is). */
  inlinesImages: boolean;
  usageDetails: { cached: boolean; reasoning: boolean };
  /** Assertions on the translated request, per cell. */
  translated: {
    /** Streams went to the streaming endpoint (or asked for a stream and for usage), JSON did not. */
    streaming(sent: SentChat, stream: boolean): void;
    conversation(body: unknown): void;
    imageData(body: unknown, dataUrl: string): void;
    imageUrl(body: unknown, url: string): void;
    toolChoice(body: unknown, choice: ToolChoiceCase): void;
    toolResults(body: unknown, callIds: string[]): void;
    jsonMode(body: unknown, type: 'json_object' | 'json_schema'): void;
    sampling(body: unknown, limit: 'max_tokens' | 'max_completion_tokens'): void;
    reasoning(body: unknown): void;
  };
  errors: ErrorCase[];
  /** What the fake must have received for a model listing and for a health probe. */
  listing: { request: string; models: string[] };
  probe: { request: string };
  /** Every request line (`GET /path?query`) the fake received since reset(). */
  requestLines(): string[];
}

export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
export const PNG_DATA_URL = `data:image/png;base64,${PNG.toString('base64')}`;

export interface ImageServer {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

/** A second loopback server holding the image an `image_url` points at. */
export async function startImageServer(): Promise<ImageServer> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/cat.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The real fetcher, allowed to reach the loopback (plain http) image server. Injected through the code-only
 * ProviderDeps seam; the gateway's own default stays https-only.
 */
export function loopbackImageFetcher(): { fetchImage: ImageFetcher; close(): Promise<void> } {
  const dispatcher = createDispatcher({ useEnvProxy: false });
  return { fetchImage: createImageFetcher({ provider: 'e2e', transport: dispatcher, allowHttp: true, allowPdf: true }), close: () => dispatcher.close() };
}

export interface ReceivedCall {
  id: string;
  name: string;
  arguments: string;
}

export interface Received {
  content: string | null;
  reasoning: string;
  finish: string | null | undefined;
  usage: OpenAI.CompletionUsage | null | undefined;
  calls: ReceivedCall[];
  /** Streams only: a chunk with `choices: []` carried the usage, and came last. */
  usageChunkLast?: boolean;
}

type WithReasoning = { reasoning_content?: string | null };

export function fromCompletion(completion: OpenAI.Chat.ChatCompletion): Received {
  expect(completion.object).toBe('chat.completion');
  const choice = completion.choices[0]!;
  return {
    content: choice.message.content,
    reasoning: (choice.message as WithReasoning).reasoning_content ?? '',
    finish: choice.finish_reason,
    usage: completion.usage,
    calls: (choice.message.tool_calls ?? []).map((c) => {
      if (c.type !== 'function') throw new Error(`unexpected tool call type ${c.type}`);
      return { id: c.id, name: c.function.name, arguments: c.function.arguments };
    }),
  };
}

/**
 * Chunks → what the client got, checking OpenAI's invariants on the way: role first, each tool call's first
 * delta carries its id, type and name, later deltas never change the id, indices count 0, 1, … in order.
 */
export function fromChunks(chunks: OpenAI.Chat.ChatCompletionChunk[]): Received {
  expect(chunks.length).toBeGreaterThan(0);
  expect(chunks[0]!.choices[0]?.delta.role).toBe('assistant');
  let content: string | null = null;
  let reasoning = '';
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | null | undefined;
  const calls: ReceivedCall[] = [];
  chunks.forEach((chunk, position) => {
    expect(chunk.object).toBe('chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return;
    if (choice.delta.content) content = (content ?? '') + choice.delta.content;
    reasoning += (choice.delta as WithReasoning).reasoning_content ?? '';
    if (choice.finish_reason) finish = choice.finish_reason;
    for (const delta of choice.delta.tool_calls ?? []) {
      const known = calls[delta.index];
      if (!known) {
        expect(delta.index, `tool call indices count up from 0 (chunk ${position})`).toBe(calls.length);
        expect(delta.id, 'the first delta of a call carries its id').toBeTruthy();
        expect(delta.type).toBe('function');
        expect(delta.function?.name).toBeTruthy();
        calls.push({ id: delta.id!, name: delta.function!.name!, arguments: delta.function?.arguments ?? '' });
      } else {
        if (delta.id) expect(delta.id, 'a call keeps its id').toBe(known.id);
        known.arguments += delta.function?.arguments ?? '';
      }
    }
  });
  const last = chunks.at(-1)!;
  return { content, reasoning, finish, usage, calls, usageChunkLast: last.choices.length === 0 && last.usage != null };
}

export async function collect(stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>): Promise<Received> {
  const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return fromChunks(chunks);
}

/** The client got the two canonical parallel calls, with distinct ids, in order. */
export function expectCanonicalCalls(got: Received): void {
  expect(got.finish).toBe('tool_calls');
  expect(got.calls.map((c) => [c.name, JSON.parse(c.arguments) as unknown])).toEqual(CALLS.map((c) => [c.name, c.args]));
  expect(new Set(got.calls.map((c) => c.id)).size).toBe(2);
}

/** The request a body-level assertion reads: the only chat request the fake got since reset. */
export function onlyChat(h: ProviderHarness): SentChat {
  const chats = h.chats();
  expect(chats).toHaveLength(1);
  return chats[0]!;
}

export interface ProviderGateway<F> {
  fake: F;
  gateway: TestGateway;
  client: OpenAI;
  images: ImageServer;
}

/**
 * One provider's fake, a gateway switched on for it by env (no retries, images fetched from loopback) and the
 * `openai` client: what every provider's end-to-end file starts with.
 */
export function providerGateway<F extends { close(): Promise<void> }>(startFake: () => Promise<F>, env: (fake: F) => Record<string, string>) {
  const fetcher = loopbackImageFetcher();
  let started: ProviderGateway<F> | undefined;
  return {
    async start(): Promise<ProviderGateway<F>> {
      const [fake, images] = await Promise.all([startFake(), startImageServer()]);
      const gateway = await startGateway({
        env: { ...env(fake), GATEWAY_API_KEYS: GATEWAY_KEY },
        configure: (c) => {
          c.routing.retries = 0;
        },
        fetchImage: fetcher.fetchImage,
      });
      const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: gateway.baseURL, maxRetries: 0 });
      started = { fake, gateway, client, images };
      return started;
    },
    async stop(): Promise<void> {
      await started?.gateway.close();
      await Promise.all([started?.fake.close(), started?.images.close(), fetcher.close()]);
    },
  };
}
