// The exchange pipeline: runs the stages in order (authorize → record → resolve → limits → route), then hands
// the answer to the caller (JSON) or pumps the stream through the surface's renderer, and closes the stages in
// reverse order once the exchange is over. Each stage runs once per request; nothing here runs per chunk except
// the pump loop, which adds no closure and no promise turn of its own.
import type { Deps } from '../deps.js';
import { endedBy, isClientClosed, toGatewayError, type GatewayError } from '../errors.js';
import type { ParsedRequest, RenderContext, StreamWriter, Surface } from '../http/surfaces/surface.js';
import type { ChatStreamEvent } from '../providers/provider.js';
import type { ChatCompletion } from '../schemas/chat-response.js';
import type { EmbeddingsResponse } from '../schemas/embeddings.js';
import { estimatedUsage, exchangeCost } from '../usage/bill.js';
import { SseWriter } from '../http/sse-writer.js';
import type { Exchange } from './exchange.js';
import { writeGatewayHeaders } from './headers.js';
import { InFlight } from './in-flight.js';
import type { Stage } from './stage.js';
import { relay } from './relay.js';
import { StreamAssembler } from './stream-assembler.js';

export class Pipeline {
  constructor(
    private readonly deps: Deps,
    readonly stages: readonly Stage[],
    /** Every exchange from its first stage to its record: what a shutdown ends and waits for. */
    private readonly running: InFlight = new InFlight(),
  ) {}

  // Each entry point is one async frame around the stages: a frame per level stays suspended, on the heap, for the
  // whole upstream wait of every request in flight.

  /** Undefined when the request was relayed untranslated (a native pass-through): the writer sent the answer. */
  async chat(x: Exchange, surface?: Surface, parsed?: ParsedRequest, writer?: SseWriter): Promise<ChatCompletion | undefined> {
    this.running.add(x.client);
    try {
      await this.enter(x);
      if (x.relay) return void (await this.relayed(x, surface!, parsed!, writer!));
      const completion = x.completion!;
      const latencyMs = x.elapsed();
      const overheadMs = x.overheadAt(latencyMs);
      const choice = completion.choices[0];
      this.finish(x, overheadMs, {
        provider: x.target?.provider,
        model: x.target?.model,
        status: 200,
        finishReason: choice?.finish_reason,
        content: choice?.message.content,
        toolCalls: choice?.message.tool_calls ?? undefined,
        usage: completion.usage,
        latencyMs,
        overheadMs,
        costUsd: undefined,
      });
      return completion;
    } finally {
      this.running.delete(x.client);
    }
  }

  async embeddings(x: Exchange): Promise<EmbeddingsResponse> {
    this.running.add(x.client);
    try {
      await this.enter(x);
      const response = x.embeddings!;
      const latencyMs = x.elapsed();
      const overheadMs = x.overheadAt(latencyMs);
      const usage = { prompt_tokens: response.usage.prompt_tokens, completion_tokens: 0, total_tokens: response.usage.total_tokens };
      this.finish(x, overheadMs, { provider: x.target?.provider, model: x.target?.model, status: 200, usage, latencyMs, overheadMs, costUsd: undefined });
      return response;
    } finally {
      this.running.delete(x.client);
    }
  }

  /** Errors before the first event propagate (the surface renders them as a normal error response, status intact). */
  async stream(x: Exchange, surface: Surface, parsed: ParsedRequest, writer: StreamWriter): Promise<void> {
    this.running.add(x.client);
    try {
      await this.enter(x);
      if (x.relay) {
        // Only an HTTP surface relays an upstream's own bytes; no dialect a WebSocket speaks has a native upstream.
        if (writer instanceof SseWriter) return this.relayed(x, surface, parsed, writer);
        throw toGatewayError(new Error(`${surface.name}: a relayed answer needs an HTTP stream`));
      }
      const handle = x.stream!;
      const { target } = handle;
      const assembler = new StreamAssembler();
      const ttftMs = x.elapsed();
      const overheadMs = x.overheadAt(ttftMs);
      this.deps.metrics.ttft.observe({ provider: target.provider, model: target.model }, ttftMs / 1000);
      writeGatewayHeaders(x, overheadMs);
      const renderer = surface.openStream(renderContext(x, parsed));
      writer.open();
      const preamble = renderer.start();
      if (preamble !== '') void writer.write(preamble);
      const includeUsage = parsed.includeUsage;
      let failure: GatewayError | undefined;
      try {
        let next: IteratorResult<ChatStreamEvent> = { done: false, value: handle.first };
        while (!next.done) {
          const event = next.value;
          assembler.add(event.chunk);
          // The usage-only chunk goes to the client only when it asked for it; we always ask upstream, to log usage.
          if (includeUsage || event.chunk.choices.length > 0) {
            const text = renderer.chunk(event);
            if (text !== '') {
              const drained = writer.write(text);
              if (drained) await drained;
            }
          }
          if (x.client.aborted) throw endedBy(x.client);
          const ready = handle.buffered();
          next = ready ? { done: false, value: ready } : await handle.rest.next();
        }
      } catch (err) {
        failure = x.client.aborted ? endedBy(x.client, target.provider) : toGatewayError(err, target.provider);
      }
      handle.finish(failure);
      if (failure && !isClientClosed(failure)) {
        this.deps.metrics.streamErrors.inc({ provider: target.provider, model: target.model });
        void writer.write(renderer.error(failure, this.deps.redact));
      }
      // After an error the stream ends without the dialect's clean end, so no client mistakes it for a whole answer.
      writer.end(failure ? undefined : renderer.end());
      x.error = failure;
      const toolCalls = assembler.tools();
      // Cut before the usage chunk (by the client or the upstream): billed for what was generated.
      const billed = assembler.usage ?? estimatedUsage(x.context.request, toolCalls ? assembler.content + JSON.stringify(toolCalls) : assembler.content);
      x.outcome = {
        provider: target.provider,
        model: target.model,
        status: failure ? failure.status : 200,
        finishReason: assembler.finishReason,
        content: assembler.content,
        toolCalls,
        usage: assembler.usage,
        costUsd: exchangeCost(this.deps.prices, this.deps.registry, target.provider, target.model, billed),
        latencyMs: x.elapsed(),
        ttftMs,
        overheadMs,
        partial: failure !== undefined,
        error: failure?.message,
        errorCode: failure?.code,
      };
      this.leave(x);
    } finally {
      this.running.delete(x.client);
    }
  }

  private async relayed(x: Exchange, surface: Surface, parsed: ParsedRequest, writer: SseWriter): Promise<void> {
    await relay(x, writer, (err, progress) => surface.openStream({ ...renderContext(x, parsed), relayed: progress }).error(err, this.deps.redact));
    // Priced like any answer, so a budget settles what a native pass-through really cost; a relay cut before its
    // usage event is billed on what was streamed, as the chat path is (else a cut stream would cost the budget nothing).
    const o = x.outcome;
    const billed = o?.usage ?? (o?.partial ? estimatedUsage(x.context.request, o.content ?? '') : undefined);
    if (o && billed && o.provider && o.model) o.costUsd = exchangeCost(this.deps.prices, this.deps.registry, o.provider, o.model, billed);
    this.leave(x);
  }

  /** Runs each stage's enter once, in order; a failure is recorded (by the stages that entered) and rethrown. */
  private async enter(x: Exchange): Promise<void> {
    const stages = this.stages;
    try {
      for (let i = 0; i < stages.length; i++) {
        const pending = stages[i]!.enter?.(x);
        if (pending) await pending;
        x.entered = i + 1;
        if (x.answered) return;
      }
    } catch (err) {
      throw this.failed(x, err);
    }
  }

  private failed(x: Exchange, err: unknown): GatewayError {
    const error = toGatewayError(err);
    const last = x.attempts.at(-1);
    // Error answers are proxied responses too: say how many upstream attempts were made and which answered last.
    writeGatewayHeaders(x, undefined);
    x.error = error;
    // Refused or failed before any upstream call: nothing was generated, so it cost nothing (a refusal's row says 0).
    const costUsd = x.attempts.length === 0 ? 0 : undefined;
    x.outcome = { provider: last?.provider, model: last?.model, status: error.status, latencyMs: x.elapsed(), error: error.message, errorCode: error.code, costUsd };
    this.leave(x);
    return error;
  }

  private finish(x: Exchange, overheadMs: number, outcome: NonNullable<Exchange['outcome']>): void {
    const { provider, model, usage } = outcome;
    if (provider && model && usage) outcome.costUsd = exchangeCost(this.deps.prices, this.deps.registry, provider, model, usage);
    writeGatewayHeaders(x, overheadMs, outcome.costUsd);
    x.outcome = outcome;
    this.leave(x);
  }

  private leave(x: Exchange): void {
    for (let i = x.entered - 1; i >= 0; i--) this.stages[i]!.leave?.(x);
  }
}

export function renderContext(x: Exchange, parsed: ParsedRequest): RenderContext {
  const target = x.target;
  return {
    requestId: x.requestId,
    createdAt: Math.floor(x.context.startedAt.getTime() / 1000),
    model: target ? `${target.provider}/${target.model}` : x.model,
    provider: target?.provider,
    extras: parsed.extras,
  };
}
