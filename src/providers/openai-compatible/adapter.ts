// The one adapter for every OpenAI-wire upstream (OpenAI, DeepSeek, Mistral, Ollama /v1, LM Studio, vLLM…);
// vendors differ only through a preset's hooks. Streams are forwarded chunk by chunk without re-serialising.
import { z } from 'zod';
import { badUpstreamResponse, GatewayError } from '../../errors.js';
import type { ChatRequest } from '../../schemas/chat-request.js';
import { chatCompletionSchema, type ChatCompletion, type ChatCompletionChunk } from '../../schemas/chat-response.js';
import { embeddingsResponseSchema, type EmbeddingsRequest, type EmbeddingsResponse } from '../../schemas/embeddings.js';
import { createProviderHttp, getCall, type UpstreamCall } from '../shared/http.js';
import { conformCompletion } from './conform.js';
import { openAIWireError } from './errors.js';
import { responsesPassthrough, RESPONSES_DIALECT } from './responses-passthrough.js';
import { OpenAIWireStream } from './stream.js';
import type { CallOptions, Capabilities, ChatStreamEvent, ModelInfo, Provider, ProviderConfig, ProviderDeps, ProviderKind } from '../provider.js';

export interface OpenAIWirePreset {
  /** Path appended to the base URL for chat (Ollama's base is the server root). */
  chatPath?: string;
  modelsPath?: string;
  embeddingsPath?: string;
  /** Ask for usage in streams; off for vendors that reject stream_options (Mistral sends usage anyway). */
  streamUsageOption?: boolean;
  capabilities(model: string): Capabilities;
  /**
   * Models that take `reasoning_effort` without surfacing reasoning text (OpenAI's o-series and gpt-5). Models whose
   * capabilities say `reasoning` take it anyway; every other model gets neither it nor `reasoning_content`.
   */
  reasoningEffort?(model: string): boolean;
  /**
   * Vendor quirks on the outbound body (renames, fields the vendor rejects, remote images to inline).
   * May be async (it may fetch); throw a GatewayError to reject the request.
   */
  toUpstreamBody?(body: ChatRequest, call: OpenAIWireCall): Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Rewrites a decoded upstream chunk or completion that is not OpenAI-shaped yet (Mistral content arrays,
   * tool calls without index), BEFORE validation. Return the same value when nothing changes. `provider` is the
   * configured id, for the errors a hook throws.
   */
  rewriteChunkJson?(json: unknown, provider: string): unknown;
  rewriteCompletionJson?(json: unknown, provider: string): unknown;
  /**
   * Vendor quirks on a validated completion or chunk (reasoning field names, usage fields, in-band errors).
   * Return the same object when nothing changes: the adapter then forwards the upstream's bytes as they came.
   */
  normaliseCompletion?(completion: ChatCompletion, provider: string): ChatCompletion;
  normaliseChunk?(chunk: ChatCompletionChunk, provider: string): ChatCompletionChunk;
  /** The embeddings body when the vendor's differs from OpenAI's (Mistral: output_dimension, unknown fields are 422s). */
  toEmbeddingsBody?(request: EmbeddingsRequest, model: string): Record<string, unknown>;
  listModels?(ctx: OpenAIWireContext, signal: AbortSignal): Promise<ModelInfo[]>;
  probe?(ctx: OpenAIWireContext, signal: AbortSignal): Promise<void>;
}

export interface OpenAIWireContext {
  config: ProviderConfig;
  deps: ProviderDeps;
  get(path: string, signal: AbortSignal): Promise<unknown>;
}

/** What a body hook may use: the provider context and the call's abort signal. */
export interface OpenAIWireCall {
  ctx: OpenAIWireContext;
  signal: AbortSignal;
}

/**
 * A model not declared as reasoning must not get the reasoning fields another dialect or provider put in the
 * request: strict servers answer 400 to `reasoning_effort` (OpenAI's gpt-4o: unsupported_parameter) or to an unknown
 * message field. Same request back when there is nothing to drop (the usual case).
 */
export function withoutReasoning(request: ChatRequest, model: string, preset: OpenAIWirePreset): ChatRequest {
  if (preset.capabilities(model).reasoning) return request;
  const dropEffort = request.reasoning_effort != null && preset.reasoningEffort?.(model) !== true;
  const dropHistory = request.messages.some((m) => m.role === 'assistant' && 'reasoning_content' in m);
  if (!dropEffort && !dropHistory) return request;
  const out: ChatRequest = { ...request };
  if (dropEffort) delete out.reasoning_effort;
  if (dropHistory) {
    out.messages = request.messages.map((m) => {
      if (m.role !== 'assistant' || !('reasoning_content' in m)) return m;
      const { reasoning_content: _dropped, ...kept } = m;
      return kept;
    });
  }
  return out;
}

const modelListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), created: z.number().nullish(), owned_by: z.string().nullish() })),
});

export function createOpenAIWireProvider(config: ProviderConfig, deps: ProviderDeps, preset: OpenAIWirePreset): Provider {
  const base = config.baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...config.headers };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  const http = createProviderHttp({
    provider: config.id,
    dispatcher: deps.dispatcher,
    headers: () => headers,
    toError: (status, text, resHeaders) => openAIWireError(config.id, status, resHeaders, text),
  });
  const call = (path: string, body: unknown, options: CallOptions): UpstreamCall => ({
    url: base + path,
    body,
    signal: options.signal,
    headersTimeoutMs: options.firstByteTimeoutMs,
    bodyTimeoutMs: options.idleTimeoutMs,
  });

  const ctx: OpenAIWireContext = {
    config,
    deps,
    get: (path, signal) => http.json(getCall(base + path, signal)),
  };

  async function upstreamBody(request: ChatRequest, model: string, stream: boolean, signal: AbortSignal): Promise<Record<string, unknown>> {
    const body: ChatRequest = { ...withoutReasoning(request, model, preset), model, stream };
    if (stream && preset.streamUsageOption !== false) {
      body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
    } else {
      delete body.stream_options;
    }
    return preset.toUpstreamBody ? preset.toUpstreamBody(body, { ctx, signal }) : body;
  }

  const badResponse = (detail: string): GatewayError => badUpstreamResponse(config.id, detail);
  // OpenAI itself (unless `options: { responses: "false" }` sends it through the bridge), or a server configured
  // as speaking Responses (`options: { responses: "true" }`).
  const speaksResponses = config.options?.responses === undefined ? config.type === 'openai' : config.options.responses === 'true';
  // The body arrives with its model already the upstream's (the router rewrites it); client headers are not forwarded.
  const passthrough: Provider['passthrough'] = async (_dialect, body, _headers, options) => responsesPassthrough(http, call('/responses', body, options), body);

  return {
    id: config.id,
    type: config.type,
    capabilities: (model) => preset.capabilities(model),
    ...(speaksResponses ? { passthroughDialects: [RESPONSES_DIALECT], passthrough } : {}),

    async listModels(signal) {
      if (preset.listModels) return preset.listModels(ctx, signal);
      const parsed = modelListSchema.safeParse(await ctx.get(preset.modelsPath ?? '/models', signal));
      if (!parsed.success) throw badResponse('model list');
      return parsed.data.data.map((m) => ({ id: m.id, created: m.created ?? undefined, ownedBy: m.owned_by ?? undefined }));
    },

    async probe(signal) {
      if (preset.probe) return preset.probe(ctx, signal);
      await ctx.get(preset.modelsPath ?? '/models', signal);
    },

    async chat(request, model, options) {
      const json = await http.json(call(preset.chatPath ?? '/chat/completions', await upstreamBody(request, model, false, options.signal), options));
      const parsed = chatCompletionSchema.safeParse(preset.rewriteCompletionJson ? preset.rewriteCompletionJson(json, config.id) : json);
      if (!parsed.success) throw badResponse('chat.completion expected');
      return conformCompletion(preset.normaliseCompletion ? preset.normaliseCompletion(parsed.data, config.id) : parsed.data);
    },

    async chatStream(request, model, options) {
      const res = await http.stream(call(preset.chatPath ?? '/chat/completions', await upstreamBody(request, model, true, options.signal), options));
      return new OpenAIWireStream(res, config.id, preset, badResponse);
    },

    async embeddings(request: EmbeddingsRequest, model: string, options: CallOptions): Promise<EmbeddingsResponse> {
      const body = preset.toEmbeddingsBody ? preset.toEmbeddingsBody(request, model) : { ...request, model };
      const parsed = embeddingsResponseSchema.safeParse(await http.json(call(preset.embeddingsPath ?? '/embeddings', body, options)));
      if (!parsed.success) throw badResponse('embeddings list expected');
      return parsed.data;
    },
  };
}

/** A provider kind this adapter serves with one preset. */
export function openAIWireKind(preset: OpenAIWirePreset, kind: Omit<ProviderKind, 'create'>): ProviderKind {
  return { ...kind, create: (config, deps) => createOpenAIWireProvider(config, deps, preset) };
}
