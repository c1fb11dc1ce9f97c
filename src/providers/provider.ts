// The provider interface every adapter implements: OpenAI shapes in, OpenAI shapes out, errors as GatewayErrors.
import type { Dispatcher } from 'undici';
import type { ChatRequest } from '../schemas/chat-request.js';
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../schemas/chat-response.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../schemas/embeddings.js';
import type { ImageFetcher } from './shared/images.js';
import type { PROVIDER_KINDS } from './registry.js';

/** 'mock' plus every kind the registry lists (registry.ts PROVIDER_KINDS is the one list). */
export type ProviderType = keyof typeof PROVIDER_KINDS | 'mock';

export interface Capabilities {
  tools: boolean;
  /** Image input (data URLs at least). */
  vision: boolean;
  /** response_format json_schema honoured (natively or translated). */
  jsonSchema: boolean;
  /** Reasoning surfaced as reasoning_content. */
  reasoning: boolean;
  embeddings: boolean;
  /** File/PDF parts. */
  files: boolean;
}

export interface ModelInfo {
  /** The upstream's own model name, without the provider prefix. */
  id: string;
  created?: number;
  ownedBy?: string;
}

export interface ProviderConfig {
  id: string;
  type: ProviderType;
  /** Everything up to and including the API version; the adapter appends endpoint paths. */
  baseUrl: string;
  apiKey?: string;
  /** Extra headers sent on every upstream call (e.g. an org id). */
  headers?: Record<string, string>;
  /** Models to list when the upstream cannot list them (Vertex) or to pin a local default. */
  models?: string[];
  /** Outbound proxy for this provider only. */
  proxy?: string;
  /** Size of this provider's own connection pool (config file `max_connections`); unset: the shared pool's. */
  maxConnections?: number;
  /** Adapter-specific settings (Vertex project/location, Anthropic version, …). */
  options?: Record<string, string | undefined>;
}

export interface CallOptions {
  signal: AbortSignal;
  /** Until the upstream's response headers arrive. */
  firstByteTimeoutMs: number;
  /** Between two chunks of a streamed body. */
  idleTimeoutMs: number;
}

/**
 * One translated chunk. `raw` is the chunk already serialised, set by adapters whose upstream speaks
 * OpenAI's wire format, so the route can forward the upstream's bytes without re-serialising them.
 */
export interface ChatStreamEvent {
  chunk: ChatCompletionChunk;
  raw?: string;
}

/**
 * Optional on a stream's iterator: the next event when it has already been read, without a promise turn
 * (undefined when the iterator would have to wait, has ended or has a failure to report: call next()).
 */
export interface BufferedStream {
  buffered(): ChatStreamEvent | undefined;
}

export const bufferedOf = (iterator: object): BufferedStream | undefined =>
  typeof (iterator as Partial<BufferedStream>).buffered === 'function' ? (iterator as BufferedStream) : undefined;

/** A native pass-through's answer: the upstream's 2xx bytes, forwarded unchanged, with usage read on the way. */
export interface PassthroughAnswer {
  contentType: string;
  /** Ends when the upstream's body does; throws GatewayError if it fails midway. */
  body: AsyncIterable<Buffer>;
  /** Usage read from the bytes so far (complete once `body` has ended), in the internal shape. */
  usage(): Usage | undefined;
  /** The upstream's stop reason, as the dialect spells it, once known. */
  stopReason(): string | undefined;
  /** The answer's output text read so far (bounded), for the log row. */
  content(): string | undefined;
  /** Where a stream stood when it failed, so the dialect's failure event can continue it (sequence numbers). */
  progress?(): RelayProgress;
}

/** What a relayed stream had said so far: its last sequence number, and the response object it announced. */
export interface RelayProgress {
  sequenceNumber?: number;
  response?: Record<string, unknown>;
}

/** A token count request: the internal chat model, and the client's own body for a provider that speaks its dialect. */
export interface TokenCountRequest {
  chat: ChatRequest;
  dialect: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface Provider {
  readonly id: string;
  readonly type: ProviderType;
  capabilities(model: string): Capabilities;
  listModels(signal: AbortSignal): Promise<ModelInfo[]>;
  /** A cheap call that proves the upstream is reachable and the key works; throws GatewayError if not. */
  probe(signal: AbortSignal): Promise<void>;
  chat(request: ChatRequest, model: string, options: CallOptions): Promise<ChatCompletion>;
  /**
   * Resolves once the upstream accepted the request (2xx headers); throws GatewayError before that.
   * The iterable yields OpenAI chunks (role first, finish_reason, then one `choices: []` usage chunk when
   * usage is known) and throws GatewayError if the upstream fails or ends the stream early.
   */
  chatStream(request: ChatRequest, model: string, options: CallOptions): Promise<AsyncIterable<ChatStreamEvent>>;
  embeddings?(request: EmbeddingsRequest, model: string, options: CallOptions): Promise<EmbeddingsResponse>;
  /** Inbound dialects (surface names) this provider speaks natively and relays untranslated through `passthrough`. */
  readonly passthroughDialects?: readonly string[];
  /**
   * The client's body sent as is (its `model` already the upstream's), with the dialect's own headers (version,
   * betas); resolves on a 2xx, throws GatewayError otherwise, like chat.
   */
  passthrough?(dialect: string, body: Record<string, unknown>, headers: Record<string, string>, options: CallOptions): Promise<PassthroughAnswer>;
  /** The upstream's own count of the request's input tokens (Anthropic count_tokens, Gemini countTokens). */
  countTokens?(request: TokenCountRequest, model: string, options: CallOptions): Promise<number>;
  close?(): Promise<void>;
}

export interface ProviderDeps {
  dispatcher: Dispatcher;
  /**
   * How adapters that need image bytes (Gemini, Ollama, LM Studio) fetch remote image URLs. Code-only seam (no env
   * or config reaches it): tests inject one that may reach a loopback http server. Default: https only.
   */
  fetchImage?: ImageFetcher;
}

export type ProviderFactory = (config: ProviderConfig, deps: ProviderDeps) => Provider;

/** A local server found without configuration: where it listens by default, and the answer that proves it is there. */
export interface LocalDiscovery {
  /** The endpoint relative to the base URL (GET), and what its JSON must hold. */
  path: string;
  looksRight(json: unknown): boolean;
  /** Looked for only at a URL the config names (its default port is taken, e.g. by the gateway itself). */
  onlyAtConfiguredUrl?: boolean;
}

/** What a provider folder (or preset) tells the registry: how to build it, where it lives, what switches it on. */
export interface ProviderKind {
  create: ProviderFactory;
  /** The base URL when neither the environment nor the config file names one ('' when the adapter derives it). */
  defaultBaseUrl: string;
  /** The provider the environment switches on (its id is the kind's name), or undefined. */
  fromEnv?(env: NodeJS.ProcessEnv, type: Exclude<ProviderType, 'mock'>): ProviderConfig | undefined;
  /**
   * A server on the local machine (found at defaultBaseUrl when not configured); as a fallback target it answers
   * with the first model it lists, since a local server serves whatever was pulled.
   */
  local?: LocalDiscovery;
  /**
   * Bare model names this kind serves even when no provider lists them (its own model family): they route to the
   * first provider of this kind unless an alias maps them elsewhere.
   */
  claimsBareNames?: RegExp;
}
