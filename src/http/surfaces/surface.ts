// What an inbound dialect owns: parsing its requests into the internal chat model (OpenAI Chat Completions shapes),
// rendering a completion as its JSON, rendering a stream as its own SSE frames, and rendering errors in its envelope.
// The pipeline drives a Surface and never looks inside a dialect.
import type { GatewayError } from '../../errors.js';
import type { ChatStreamEvent, RelayProgress } from '../../providers/provider.js';
import type { ChatRequest } from '../../schemas/chat-request.js';
import type { ChatCompletion } from '../../schemas/chat-response.js';

export interface ParsedRequest {
  /** The request in the internal chat model. */
  chat: ChatRequest;
  stream: boolean;
  /** The usage-only chunk reaches the client's renderer (OpenAI's stream_options.include_usage). */
  includeUsage: boolean;
  sessionId?: string;
  /** Set when only a provider speaking this dialect natively (a pass-through) can serve it: the refusal otherwise. */
  untranslatable?: GatewayError;
  /** Dialect-specific state the renderer needs back (e.g. the previous response id, the original input items). */
  extras?: unknown;
}

export interface RenderContext {
  requestId: string;
  /** Unix seconds at which the gateway accepted the request. */
  createdAt: number;
  /** The model name as the client should see it in bodies (`provider/model` that answered, or as requested). */
  model: string;
  /** The provider that answered (absent when none did). */
  provider?: string;
  extras?: unknown;
  /** Set when the stream being ended is an upstream's own, relayed: where it stood, so a failure event continues it. */
  relayed?: RelayProgress;
}

export type Redact = (text: string) => string;

export interface RenderedError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * One stream's renderer: a small state machine fed with internal chunks. Every method returns encoded SSE text
 * (`event: …\ndata: …\n\n` frames, '' for nothing) so several frames per chunk leave in one write.
 */
export interface StreamRenderer {
  /** Frames to send right after the headers, before the first chunk's frames. */
  start(): string;
  chunk(event: ChatStreamEvent): string;
  /** The dialect's clean end (OpenAI Chat: `data: [DONE]`; others may have none beyond their last event). */
  end(): string;
  /** A failure after the first byte: the dialect's error event, never a clean-looking end. */
  error(err: GatewayError, redact: Redact): string;
}

export interface Surface {
  readonly name: string;
  /** Throws a GatewayError (400, `param` naming the field) for a body the dialect does not accept. */
  parse(body: unknown, headers: Record<string, string | string[] | undefined>): ParsedRequest;
  renderJson(completion: ChatCompletion, context: RenderContext): unknown;
  openStream(context: RenderContext): StreamRenderer;
  /** Redaction happens here: whatever an upstream said (message, code, param…) reaches the client redacted. */
  renderError(err: GatewayError, redact: Redact): RenderedError;
}

/** Where a stream's rendered text goes: the corked SSE writer, or a WebSocket's messages. */
export interface StreamWriter {
  /** Called once the first event is ready (earlier failures stay plain errors). */
  open(): void;
  /** A promise only when the client is not keeping up: the pump waits, so the upstream is not read meanwhile. */
  write(text: string): Promise<void> | undefined;
  end(trailer?: string): void;
}
