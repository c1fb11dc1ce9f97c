// Provider for type 'anthropic': the Messages API behind the OpenAI surface (wire doc §3). Translation lives in
// request.ts (out), response.ts (answers), errors.ts, stream.ts (SSE events) and wire.ts (the schemas).
import { badUpstreamResponse, GatewayError } from '../../errors.js';
import { parseRetryAfter } from '../shared/retry-after.js';
import { decodeSse } from '../../upstream/sse.js';
import { discardBody, mapTransportError, type UpstreamResponse } from '../../upstream/http.js';
import { createProviderHttp, getCall, type UpstreamCall } from '../shared/http.js';
import { anthropicModelTraits } from './models.js';
import { AnthropicStreamTranslator } from './stream.js';
import { fromAnthropicError } from './errors.js';
import { anthropicCountTokens, anthropicPassthrough, MESSAGES_DIALECT } from './passthrough.js';
import { toAnthropicRequest } from './request.js';
import { fromAnthropicResponse } from './response.js';
import { anthropicMessageSchema, anthropicModelListSchema } from './wire.js';
import type { CallOptions, ChatStreamEvent, ModelInfo, Provider, ProviderConfig, ProviderDeps } from '../provider.js';

const DEFAULT_VERSION = '2023-06-01';
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';
/** 1000 is the API's page maximum; the page cap only guards against a server that never says has_more:false. */
const MODELS_PAGE_LIMIT = 1000;
const MAX_MODEL_PAGES = 20;

/** config.options: `version` (anthropic-version header, default 2023-06-01), `beta` (anthropic-beta, comma list). */
export function createAnthropicProvider(config: ProviderConfig, deps: ProviderDeps): Provider {
  const provider = config.id;
  const base = (config.baseUrl || ANTHROPIC_BASE_URL).replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...config.headers };
  headers['anthropic-version'] = config.options?.version || DEFAULT_VERSION;
  if (config.options?.beta) headers['anthropic-beta'] = config.options.beta;
  if (config.apiKey) headers['x-api-key'] = config.apiKey;

  const http = createProviderHttp({
    provider,
    dispatcher: deps.dispatcher,
    headers: () => headers,
    toError: (status, text, resHeaders) => fromAnthropicError(provider, status, text, parseRetryAfter(resHeaders['retry-after'])),
  });
  const badResponse = (detail: string) => badUpstreamResponse(provider, detail);
  const messageCall = (body: unknown, options: CallOptions): UpstreamCall => ({
    url: `${base}/messages`,
    body,
    signal: options.signal,
    headersTimeoutMs: options.firstByteTimeoutMs,
    bodyTimeoutMs: options.idleTimeoutMs,
  });

  async function* translate(res: UpstreamResponse, translator: AnthropicStreamTranslator, idleMs: number): AsyncGenerator<ChatStreamEvent> {
    let ended = false;
    try {
      // Read to the end even after message_stop (the API closes right after it) so the connection is reused.
      for await (const event of decodeSse(res.body)) yield* translator.push(event);
      ended = true;
    } catch (err) {
      throw err instanceof GatewayError ? err : mapTransportError(err, { provider, bodyTimeoutMs: idleMs });
    } finally {
      // Early exit (client gone, error, fallback) must still free the connection.
      if (!ended) res.body.destroy();
    }
    if (!translator.done) {
      throw new GatewayError({ status: 502, message: `${provider}: stream ended before message_stop`, code: 'upstream_stream_truncated', provider });
    }
  }

  return {
    id: config.id,
    type: config.type,
    passthroughDialects: [MESSAGES_DIALECT],
    passthrough: (_dialect, body, clientHeaders, options) => anthropicPassthrough(http, `${base}/messages`, body, clientHeaders, options),
    countTokens: (request, model, options) => anthropicCountTokens(http, `${base}/messages/count_tokens`, request, model, options),

    capabilities(model) {
      const traits = anthropicModelTraits(model);
      // JSON schema is honoured through a forced tool, so it needs tools; PDFs go in as document blocks.
      return { tools: traits.tools, vision: traits.vision, jsonSchema: traits.tools, reasoning: traits.reasoning, embeddings: false, files: traits.tools };
    },

    async listModels(signal) {
      const models: ModelInfo[] = [];
      let after: string | undefined;
      for (let page = 0; page < MAX_MODEL_PAGES; page++) {
        const query = new URLSearchParams({ limit: String(MODELS_PAGE_LIMIT), ...(after ? { after_id: after } : {}) });
        const parsed = anthropicModelListSchema.safeParse(await http.json(getCall(`${base}/models?${query}`, signal)));
        if (!parsed.success) throw badResponse('model list');
        for (const m of parsed.data.data) {
          const created = m.created_at ? Math.floor(Date.parse(m.created_at) / 1000) : NaN;
          models.push({ id: m.id, ownedBy: 'anthropic', ...(Number.isFinite(created) ? { created } : {}) });
        }
        const next = parsed.data.last_id ?? undefined;
        if (!parsed.data.has_more || !next || next === after) break;
        after = next;
      }
      return models;
    },

    async probe(signal) {
      discardBody(await http.send(getCall(`${base}/models?limit=1`, signal)));
    },

    async chat(request, model, options) {
      const plan = toAnthropicRequest(request, model, provider);
      const parsed = anthropicMessageSchema.safeParse(await http.json(messageCall(plan.body, options)));
      if (!parsed.success) throw badResponse('message expected');
      return fromAnthropicResponse(parsed.data, plan.jsonTool);
    },

    async chatStream(request, model, options) {
      const plan = toAnthropicRequest(request, model, provider);
      const res = await http.stream(messageCall({ ...plan.body, stream: true }, options));
      return translate(res, new AnthropicStreamTranslator(provider, model, plan.jsonTool), options.idleTimeoutMs);
    },
  };
}
