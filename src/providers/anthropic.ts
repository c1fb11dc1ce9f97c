// Provider for type 'anthropic': the Messages API behind the OpenAI surface (wire doc §3). Translation lives in
// anthropic.request.ts (out), anthropic.wire.ts (answers, errors) and anthropic.stream.ts (SSE events).
import { DEFAULT_BASE_URLS } from '../config-providers.js';
import { badUpstreamResponse, GatewayError, parseRetryAfter } from '../errors.js';
import { decodeSse } from '../upstream/sse.js';
import { discardBody, mapTransportError, readText, safeJsonParse, sendUpstream, type UpstreamResponse } from '../upstream/http.js';
import { anthropicModelTraits } from './anthropic.models.js';
import { AnthropicStreamTranslator } from './anthropic.stream.js';
import { anthropicMessageSchema, anthropicModelListSchema, fromAnthropicError, fromAnthropicResponse, toAnthropicRequest } from './anthropic.wire.js';
import type { ChatStreamEvent, ModelInfo, Provider, ProviderConfig, ProviderDeps } from './provider.js';

const DEFAULT_VERSION = '2023-06-01';
const GET_TIMEOUT_MS = 10_000;
/** 1000 is the API's page maximum; the page cap only guards against a server that never says has_more:false. */
const MODELS_PAGE_LIMIT = 1000;
const MAX_MODEL_PAGES = 20;

interface Timeouts {
  signal: AbortSignal;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** config.options: `version` (anthropic-version header, default 2023-06-01), `beta` (anthropic-beta, comma list). */
export function createAnthropicProvider(config: ProviderConfig, deps: ProviderDeps): Provider {
  const provider = config.id;
  const base = (config.baseUrl || DEFAULT_BASE_URLS.anthropic).replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...config.headers };
  headers['anthropic-version'] = config.options?.version || DEFAULT_VERSION;
  if (config.options?.beta) headers['anthropic-beta'] = config.options.beta;
  if (config.apiKey) headers['x-api-key'] = config.apiKey;

  async function send(path: string, body: unknown, t: Timeouts): Promise<UpstreamResponse> {
    const res = await sendUpstream({
      provider,
      method: body === undefined ? 'GET' : 'POST',
      url: base + path,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: t.signal,
      dispatcher: deps.dispatcher,
      headersTimeoutMs: t.headersTimeoutMs,
      bodyTimeoutMs: t.bodyTimeoutMs,
    });
    if (res.status >= 200 && res.status < 300) return res;
    const text = await readText(res, provider).catch(() => '');
    throw fromAnthropicError(provider, res.status, text, parseRetryAfter(res.headers['retry-after']));
  }

  const badResponse = (detail: string) => badUpstreamResponse(provider, detail);

  const getTimeouts = (signal: AbortSignal): Timeouts => ({ signal, headersTimeoutMs: GET_TIMEOUT_MS, bodyTimeoutMs: GET_TIMEOUT_MS });

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
        const res = await send(`/models?${query}`, undefined, getTimeouts(signal));
        const parsed = anthropicModelListSchema.safeParse(safeJsonParse(await readText(res, provider)));
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
      discardBody(await send('/models?limit=1', undefined, getTimeouts(signal)));
    },

    async chat(request, model, options) {
      const plan = toAnthropicRequest(request, model);
      const t = { signal: options.signal, headersTimeoutMs: options.firstByteTimeoutMs, bodyTimeoutMs: options.idleTimeoutMs };
      const res = await send('/messages', plan.body, t);
      const parsed = anthropicMessageSchema.safeParse(safeJsonParse(await readText(res, provider)));
      if (!parsed.success) throw badResponse('message expected');
      return fromAnthropicResponse(parsed.data, plan.jsonTool);
    },

    async chatStream(request, model, options) {
      const plan = toAnthropicRequest(request, model);
      const t = { signal: options.signal, headersTimeoutMs: options.firstByteTimeoutMs, bodyTimeoutMs: options.idleTimeoutMs };
      const res = await send('/messages', { ...plan.body, stream: true }, t);
      const contentType = String(res.headers['content-type'] ?? '');
      if (!contentType.includes('text/event-stream')) {
        discardBody(res);
        throw badResponse(`expected text/event-stream, got '${contentType || 'none'}'`);
      }
      return translate(res, new AnthropicStreamTranslator(provider, model, plan.jsonTool), options.idleTimeoutMs);
    },
  };
}
