// One chat exchange from the HTTP edge's point of view: route it, time it, stream or return it, log it.
// Shared by /v1/chat/completions and the simple API; output formats plug in as a StreamSink.
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { ChatStreamEvent } from '../providers/provider.js';
import { exchangeRecord, type ExchangeContext, type ExchangeOutcome } from '../request-log/entry.js';
import { recordExchange } from './record-exchange.js';
import type { ChatRequest } from '../schemas/chat-request.js';
import type { ChatCompletion } from '../schemas/chat-response.js';
import { ClientConnection } from './client-connection.js';
import { clientClosed, type AttemptRecord } from '../routing/router.js';
import { StreamAssembler } from './stream-assembler.js';

export interface StreamSink {
  /** Sends status 200 and headers; called once the first event is ready. */
  open(headers: Record<string, string>): void;
  /** Writes one event; resolves when the socket can take more (backpressure). */
  event(event: ChatStreamEvent): Promise<void> | undefined;
  error(err: GatewayError): void;
  end(): void;
}

export interface ExchangeInfo {
  endpoint: string;
  sessionId?: string;
}

export interface JsonResult {
  completion: ChatCompletion;
  headers: Record<string, string>;
}

function attemptSum(attempts: AttemptRecord[]): number {
  return attempts.reduce((sum, a) => sum + a.latencyMs, 0);
}

export class ChatExchange {
  private readonly attempts: AttemptRecord[] = [];
  private readonly started = performance.now();
  private readonly client: ClientConnection;
  private readonly context: ExchangeContext;

  constructor(
    private readonly deps: Deps,
    private readonly req: FastifyRequest,
    private readonly res: ServerResponse,
    private readonly request: ChatRequest,
    info: ExchangeInfo,
  ) {
    // The client going away (response closed before it finished) cancels everything upstream.
    this.client = new ClientConnection(res);
    this.context = {
      requestId: req.id,
      startedAt: new Date(),
      endpoint: info.endpoint,
      keyId: req.gatewayKeyId,
      sessionId: info.sessionId,
      request,
      requestedModel: undefined,
      stream: request.stream === true,
      attempts: this.attempts,
    };
  }

  private elapsed(): number {
    return performance.now() - this.started;
  }

  private gatewayHeaders(provider: string, model: string, overheadMs: number): Record<string, string> {
    return {
      'x-request-id': this.req.id,
      'x-gateway-provider': provider,
      'x-gateway-model': `${provider}/${model}`,
      'x-gateway-attempts': String(this.attempts.length),
      'x-gateway-overhead-ms': overheadMs.toFixed(2),
    };
  }

  async json(): Promise<JsonResult> {
    try {
      const plan = await this.deps.resolver.resolve(this.request.model, this.fallbackOverride());
      const { completion, target } = await this.deps.router.chat(this.request, plan, { signal: this.client, attempts: this.attempts });
      const latencyMs = this.elapsed();
      const overheadMs = Math.max(0, latencyMs - attemptSum(this.attempts));
      const choice = completion.choices[0];
      this.finish({
        provider: target.provider,
        model: target.model,
        status: 200,
        finishReason: choice?.finish_reason,
        content: choice?.message.content,
        toolCalls: choice?.message.tool_calls ?? undefined,
        usage: completion.usage,
        latencyMs,
        overheadMs,
      });
      return { completion, headers: this.gatewayHeaders(target.provider, target.model, overheadMs) };
    } catch (err) {
      throw this.failed(err);
    }
  }

  async stream(sink: StreamSink, includeUsage: boolean): Promise<void> {
    let handle;
    try {
      const plan = await this.deps.resolver.resolve(this.request.model, this.fallbackOverride());
      handle = await this.deps.router.stream(this.request, plan, { signal: this.client, attempts: this.attempts });
    } catch (err) {
      throw this.failed(err);
    }
    const { target } = handle;
    const assembler = new StreamAssembler();
    const ttftMs = this.elapsed();
    const overheadMs = Math.max(0, ttftMs - attemptSum(this.attempts));
    this.deps.metrics.ttft.observe({ provider: target.provider, model: target.model }, ttftMs / 1000);
    sink.open(this.gatewayHeaders(target.provider, target.model, overheadMs));
    let failure: GatewayError | undefined;
    try {
      let next: IteratorResult<ChatStreamEvent> = { done: false, value: handle.first };
      while (!next.done) {
        const event = next.value;
        assembler.add(event.chunk);
        // The usage-only chunk goes to the client only when it asked for it; we always ask upstream, to log usage.
        if (includeUsage || event.chunk.choices.length > 0) {
          const drained = sink.event(event);
          if (drained) await drained;
        }
        if (this.client.aborted) throw clientClosed();
        const ready = handle.buffered();
        next = ready ? { done: false, value: ready } : await handle.rest.next();
      }
    } catch (err) {
      failure = this.client.aborted ? clientClosed() : toGatewayError(err, target.provider);
    }
    handle.finish(failure);
    if (failure) {
      if (failure.code !== 'client_closed') {
        this.deps.metrics.streamErrors.inc({ provider: target.provider, model: target.model });
        // An upstream error may quote the provider key back; the client never sees it (as in app.ts's error handler).
        const { status, type, code, param, provider } = failure;
        sink.error(new GatewayError({ status, type, code, param, provider, message: this.deps.redact(failure.message) }));
      }
    }
    sink.end();
    this.finish({
      provider: target.provider,
      model: target.model,
      status: failure ? failure.status : 200,
      finishReason: assembler.finishReason,
      content: assembler.content,
      toolCalls: assembler.tools(),
      usage: assembler.usage,
      latencyMs: this.elapsed(),
      ttftMs,
      overheadMs,
      partial: failure !== undefined,
      error: failure?.message,
      errorCode: failure?.code,
    });
  }

  /** Per-request fallback order from the `x-gateway-fallback` header: comma-separated providers or provider/models. */
  private fallbackOverride(): string[] | undefined {
    const header = this.req.headers['x-gateway-fallback'];
    if (typeof header !== 'string' || header.trim() === '') return undefined;
    return header.split(',').map((s) => s.trim()).filter(Boolean);
  }

  private failed(err: unknown): GatewayError {
    const error = toGatewayError(err);
    const last = this.attempts.at(-1);
    // Error answers are proxied responses too: say how many upstream attempts were made and which answered last.
    if (!this.res.headersSent) {
      this.res.setHeader('x-gateway-attempts', String(this.attempts.length));
      if (last) {
        this.res.setHeader('x-gateway-provider', last.provider);
        this.res.setHeader('x-gateway-model', `${last.provider}/${last.model}`);
      }
    }
    this.finish({
      provider: last?.provider,
      model: last?.model,
      status: error.status,
      latencyMs: this.elapsed(),
      error: error.message,
      errorCode: error.code,
    });
    return error;
  }

  private finish(outcome: ExchangeOutcome): void {
    recordExchange(this.deps, exchangeRecord(this.context, outcome));
  }
}
