// An OpenAI-wire SSE body as chat stream events, upstream bytes kept for forwarding when nothing changed.
// A hand-written iterator over whole upstream reads rather than an async generator per event: one read carries
// many events, and generators cost several promise turns each (a third of the decode time in a micro-benchmark).
import { GatewayError } from '../../errors.js';
import { discardBody, mapTransportError, safeJsonParse, type UpstreamResponse } from '../../upstream/http.js';
import { decodeSseBatches, type SseEvent } from '../../upstream/sse.js';
import { chatCompletionChunkSchema } from '../../schemas/chat-response.js';
import { plainChunk } from '../../schemas/plain-chunk.js';
import type { OpenAIWirePreset } from './adapter.js';
import { conformChunk } from './conform.js';
import { streamedErrorOf } from './errors.js';
import type { BufferedStream, ChatStreamEvent } from '../provider.js';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class OpenAIWireStream implements AsyncIterableIterator<ChatStreamEvent>, BufferedStream {
  private readonly batches: AsyncIterator<SseEvent[]>;
  private queue: ChatStreamEvent[] = [];
  private index = 0;
  /** A failure found mid-read: raised once the events before it have been handed out. */
  private failure: unknown;
  /** A choice reported its finish_reason. */
  private finished = false;
  /** `data: [DONE]` arrived. */
  private sawDone = false;
  private over = false;

  constructor(
    private readonly res: UpstreamResponse,
    private readonly provider: string,
    private readonly preset: OpenAIWirePreset,
    private readonly badResponse: (detail: string) => GatewayError,
  ) {
    this.batches = decodeSseBatches(res.body)[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ChatStreamEvent>> {
    while (this.index >= this.queue.length) {
      if (this.failure !== undefined) throw this.fail(this.failure);
      if (this.over) return DONE;
      this.queue = [];
      this.index = 0;
      let read: IteratorResult<SseEvent[]>;
      try {
        read = await this.batches.next();
      } catch (err) {
        throw this.fail(err);
      }
      if (read.done) return this.complete();
      try {
        for (const event of read.value) this.translate(event);
      } catch (err) {
        this.failure = err;
      }
    }
    return { done: false, value: this.queue[this.index++]! };
  }

  buffered(): ChatStreamEvent | undefined {
    return this.index < this.queue.length ? this.queue[this.index++] : undefined;
  }

  /** Early exit (client gone, error, fallback) must still free the connection. */
  async return(): Promise<IteratorResult<ChatStreamEvent>> {
    this.close();
    return DONE;
  }

  private translate(event: SseEvent): void {
    // No early exit on [DONE]: leaving a Readable's async iterator early destroys it with an AbortError (a stack
    // capture per stream, visible in profiles), and the response ends right after [DONE] anyway.
    if (this.sawDone) return;
    if (event.data === '[DONE]') {
      this.sawDone = true;
      return;
    }
    const { provider, preset } = this;
    const json = safeJsonParse(event.data);
    const streamedError = streamedErrorOf(json);
    if (streamedError) {
      throw new GatewayError({ status: 502, message: `${provider}: ${streamedError.message}`, code: streamedError.code ?? 'upstream_stream_error', provider });
    }
    const rewritten = preset.rewriteChunkJson ? preset.rewriteChunkJson(json, provider) : json;
    let parsed = plainChunk(rewritten);
    if (!parsed) {
      const checked = chatCompletionChunkSchema.safeParse(rewritten);
      if (!checked.success) throw this.badResponse('chat.completion.chunk expected');
      parsed = checked.data;
    }
    const chunk = conformChunk(preset.normaliseChunk ? preset.normaliseChunk(parsed, provider) : parsed);
    const hasFinish = chunk.choices.some((c) => c.finish_reason);
    if (hasFinish) this.finished = true;
    if (hasFinish && chunk.usage) {
      // Mistral and DeepSeek put usage on the finish chunk; the Provider contract wants it in its own chunk.
      this.queue.push({ chunk: { ...chunk, usage: undefined } }, { chunk: { ...chunk, choices: [], usage: chunk.usage } });
    } else if (rewritten === json && chunk === parsed && event.data.indexOf('\n') === -1) {
      // Nothing changed, so the route may forward the upstream's own bytes (when they fit on one `data:` line:
      // a multi-line event was joined with \n by the decoder).
      this.queue.push({ chunk, raw: event.data });
    } else {
      this.queue.push({ chunk });
    }
  }

  private complete(): IteratorResult<ChatStreamEvent> {
    this.over = true;
    discardBody(this.res);
    // Tolerate a missing [DONE] only when the answer visibly ended; otherwise the stream was cut.
    if (!this.sawDone && !this.finished) {
      throw new GatewayError({ status: 502, message: `${this.provider}: stream ended before completion`, code: 'upstream_stream_truncated', provider: this.provider });
    }
    return DONE;
  }

  private fail(err: unknown): GatewayError {
    this.close();
    this.failure = undefined;
    return err instanceof GatewayError ? err : mapTransportError(err, { provider: this.provider, bodyTimeoutMs: this.res.bodyTimeoutMs });
  }

  private close(): void {
    this.queue = [];
    this.index = 0;
    if (this.over) return;
    this.over = true;
    if (!this.sawDone) this.res.body.destroy();
  }
}
