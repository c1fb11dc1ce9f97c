// The Provider for type 'gemini': Google AI Studio (x-goog-api-key) or Vertex AI (OAuth bearer) when
// options.project and options.location are set. Endpoints, auth and HTTP here; translation in request.ts,
// response.ts, stream.ts and errors.ts (wire doc §2).
import { badUpstreamResponse, GatewayError, invalidRequest } from '../../errors.js';
import type { ChatRequest } from '../../schemas/chat-request.js';
import type { ChatCompletion } from '../../schemas/chat-response.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../schemas/embeddings.js';
import { discardBody, mapTransportError, safeJsonParse, type UpstreamResponse } from '../../upstream/http.js';
import { createProviderHttp, getCall, type UpstreamCall } from '../shared/http.js';
import { ChunkFactory } from '../chunks.js';
import { geminiEndpoints, VERTEX_DEFAULT_MODELS } from './endpoints.js';
import { bearerToken, googleAuthTokenSource, type AccessTokenSource } from './auth.js';
import { geminiModelTraits } from './models.js';
import { createImageFetcher, fetchImageUrls, type ImageFetcher } from '../shared/images.js';
import { remoteImageUrls, toGeminiRequest, type InlineData } from './request.js';
import { defaultSignatureCodec, type ThoughtSignatureCodec } from './signature.js';
import { translateGeminiStream } from './stream.js';
import { fromGeminiError } from './errors.js';
import { fromGeminiModels, fromGeminiResponse, toOpenAIEmbeddings } from './response.js';
import { batchEmbedResponseSchema, countTokensResponseSchema, generateContentResponseSchema, modelsListSchema, vertexPredictEmbedResponseSchema } from './wire.js';
import type { CallOptions, ChatStreamEvent, ModelInfo, Provider, ProviderConfig, ProviderDeps } from '../provider.js';

/** Test seams: no real Google credentials, no real image hosts. */
export interface GeminiProviderOverrides {
  tokenSource?: AccessTokenSource;
  fetchImage?: ImageFetcher;
  codec?: ThoughtSignatureCodec;
}

const PROBE_TIMEOUT_MS = 10_000;

export function createGeminiProvider(config: ProviderConfig, deps: ProviderDeps, overrides: GeminiProviderOverrides = {}): Provider {
  const id = config.id;
  const endpoints = geminiEndpoints(config);
  const codec = overrides.codec ?? defaultSignatureCodec;
  const tokenSource = overrides.tokenSource ?? googleAuthTokenSource();
  // Gemini reads PDFs sent as image_url too.
  const fetchImage = overrides.fetchImage ?? deps.fetchImage ?? createImageFetcher({ provider: id, dispatcher: deps.dispatcher, allowPdf: true });
  const includeThoughts = config.options?.includeThoughts === 'true';
  // 'pass' lets Gemini fetch image URLs itself: the gateway then never requests client-chosen URLs.
  const passImageUrls = config.options?.imageUrls === 'pass';

  async function headers(): Promise<Record<string, string>> {
    const auth: Record<string, string> = {};
    // An API key wins everywhere (Vertex express mode takes it too); otherwise Vertex needs an OAuth token.
    if (config.apiKey) auth['x-goog-api-key'] = config.apiKey;
    else if (endpoints.vertex) auth.authorization = `Bearer ${await bearerToken(tokenSource, id)}`;
    return { ...config.headers, ...auth, 'content-type': 'application/json' };
  }

  const http = createProviderHttp({
    provider: id,
    dispatcher: deps.dispatcher,
    headers,
    toError: (status, text, resHeaders) => fromGeminiError(id, status, safeJsonParse(text) ?? text, resHeaders),
  });

  /** An aborted call rejects with the abort's own reason (the client gone, or which timeout fired). */
  async function settle<T>(signal: AbortSignal, pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      throw signal.aborted ? (signal.reason ?? err) : err;
    }
  }

  const call = (url: string, body: unknown, signal: AbortSignal, timeouts: [number, number]): UpstreamCall => ({
    url,
    body,
    signal,
    headersTimeoutMs: timeouts[0],
    bodyTimeoutMs: timeouts[1],
  });
  const json = (c: UpstreamCall) => settle(c.signal, http.json(c));

  const badResponse = (what: string) => badUpstreamResponse(id, what);

  async function buildBody(request: ChatRequest, model: string, signal: AbortSignal) {
    // Files API and gs:// URLs are Gemini's own; every other remote image goes inline.
    const remote = new Set(passImageUrls ? [] : remoteImageUrls(request));
    const fetched = await fetchImageUrls(request.messages, fetchImage, signal, (url) => remote.has(url));
    const images = new Map<string, InlineData>([...fetched].map(([url, img]) => [url, { mimeType: img.mimeType, data: img.data.toString('base64') }]));
    return toGeminiRequest(request, { model, images, codec, includeThoughts, passImageUrls });
  }

  async function* streamEvents(res: UpstreamResponse, model: string, options: CallOptions): AsyncGenerator<ChatStreamEvent> {
    let consumed = false;
    try {
      yield* translateGeminiStream(res.body, new ChunkFactory(model), id, codec);
      consumed = true;
    } catch (err) {
      if (options.signal.aborted) throw options.signal.reason ?? err;
      throw err instanceof GatewayError ? err : mapTransportError(err, { provider: id, bodyTimeoutMs: options.idleTimeoutMs });
    } finally {
      // A consumer that stops early, an error or an abort: free the connection.
      if (!consumed) res.body.destroy();
    }
  }

  return {
    id,
    type: 'gemini',

    capabilities(model) {
      const traits = geminiModelTraits(model);
      return { tools: true, vision: true, jsonSchema: true, reasoning: traits.reasoning, embeddings: true, files: true };
    },

    async listModels(signal) {
      if (endpoints.vertex) {
        // Vertex has no Gemini models.list (wire doc §2.6): serve the configured list.
        const models = config.models?.length ? config.models : VERTEX_DEFAULT_MODELS;
        return models.map((model) => ({ id: model, ownedBy: 'google' }));
      }
      const models: ModelInfo[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < 10; page++) {
        const parsed = modelsListSchema.safeParse(await json(getCall(endpoints.listUrl(1000, pageToken), signal, PROBE_TIMEOUT_MS)));
        if (!parsed.success) throw badResponse('models list');
        models.push(...fromGeminiModels(parsed.data));
        pageToken = parsed.data.nextPageToken ?? undefined;
        if (!pageToken) break;
      }
      return models;
    },

    async probe(signal) {
      const timeouts: [number, number] = [PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS];
      if (!endpoints.vertex) {
        discardBody(await settle(signal, http.send(call(endpoints.listUrl(1), undefined, signal, timeouts))));
        return;
      }
      const model = config.models?.[0] ?? VERTEX_DEFAULT_MODELS[0]!;
      const body = { contents: [{ role: 'user', parts: [{ text: 'ping' }] }] };
      discardBody(await settle(signal, http.send(call(endpoints.modelUrl(model, 'countTokens'), body, signal, timeouts))));
    },

    async countTokens({ chat }, model, options) {
      const { contents, systemInstruction, tools } = await buildBody(chat, model, options.signal);
      // AI Studio counts a whole generateContentRequest (system and tools included); Vertex takes those fields bare.
      const prompt = { contents, ...(systemInstruction ? { systemInstruction } : {}), ...(tools ? { tools } : {}) };
      const body = endpoints.vertex ? prompt : { generateContentRequest: { model: endpoints.modelResource(model), ...prompt } };
      const parsed = countTokensResponseSchema.safeParse(await json(call(endpoints.modelUrl(model, 'countTokens'), body, options.signal, [options.firstByteTimeoutMs, options.idleTimeoutMs])));
      if (!parsed.success) throw badResponse('countTokens body');
      return parsed.data.totalTokens;
    },

    async chat(request, model, options): Promise<ChatCompletion> {
      const body = await buildBody(request, model, options.signal);
      const timeouts: [number, number] = [options.firstByteTimeoutMs, options.idleTimeoutMs];
      const parsed = generateContentResponseSchema.safeParse(await json(call(endpoints.modelUrl(model, 'generateContent'), body, options.signal, timeouts)));
      if (!parsed.success) throw badResponse('generateContent body');
      return fromGeminiResponse(parsed.data, model, codec);
    },

    async chatStream(request, model, options) {
      const body = await buildBody(request, model, options.signal);
      const url = `${endpoints.modelUrl(model, 'streamGenerateContent')}?alt=sse`;
      const res = await settle(options.signal, http.stream(call(url, body, options.signal, [options.firstByteTimeoutMs, options.idleTimeoutMs])));
      return streamEvents(res, model, options);
    },

    async embeddings(request: EmbeddingsRequest, model: string, options: CallOptions): Promise<EmbeddingsResponse> {
      const inputs = typeof request.input === 'string' ? [request.input] : request.input;
      if (!inputs.every((input): input is string => typeof input === 'string')) {
        throw invalidRequest('Gemini embeddings take text input, not token ids', 'input');
      }
      const timeouts: [number, number] = [options.firstByteTimeoutMs, options.idleTimeoutMs];
      const dimensions = request.dimensions ?? undefined;
      const encoding = request.encoding_format === 'base64' ? 'base64' : 'float';
      if (endpoints.vertex) {
        const body = { instances: inputs.map((content) => ({ content })), ...(dimensions ? { parameters: { outputDimensionality: dimensions } } : {}) };
        const parsed = vertexPredictEmbedResponseSchema.safeParse(await json(call(endpoints.modelUrl(model, 'predict'), body, options.signal, timeouts)));
        if (!parsed.success) throw badResponse('predict body');
        const tokens = parsed.data.predictions.reduce((sum, p) => sum + (p.embeddings.statistics?.token_count ?? 0), 0);
        return toOpenAIEmbeddings(parsed.data.predictions.map((p) => p.embeddings.values), model, encoding, tokens);
      }
      const requests = inputs.map((text) => ({
        model: endpoints.modelResource(model),
        content: { parts: [{ text }] },
        ...(dimensions ? { outputDimensionality: dimensions } : {}),
      }));
      const parsed = batchEmbedResponseSchema.safeParse(await json(call(endpoints.modelUrl(model, 'batchEmbedContents'), { requests }, options.signal, timeouts)));
      if (!parsed.success) throw badResponse('batchEmbedContents body');
      // batchEmbedContents reports no token counts.
      return toOpenAIEmbeddings(parsed.data.embeddings.map((e) => e.values), model, encoding, 0);
    },
  };
}
