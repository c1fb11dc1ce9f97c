// Writes an SSE response straight to the socket: OpenAI chunk framing, backpressure, error event, [DONE].
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { GatewayError } from '../errors.js';
import type { ChatStreamEvent } from '../providers/provider.js';
import { SSE_DONE, sseData } from '../upstream/sse.js';
import type { StreamSink } from './exchange.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Stops nginx-style proxies from buffering the stream.
  'x-accel-buffering': 'no',
};

/** Flush at once past this many buffered characters, so one huge upstream read does not wait for the loop. */
const FLUSH_AT = 64 * 1024;

class SseWriter {
  /**
   * Events decoded from one upstream read are written by a chain of microtasks. They are joined here and leave
   * as one HTTP chunk in the event loop's check phase (after every microtask of that read), together with the
   * end of the response when the read held it: one writev instead of one write of four buffers per event
   * (socket writes were the top cost in stream profiles).
   */
  private pending = '';
  private scheduled = false;
  /** The socket refused more on the last flush: writers wait for 'drain'. */
  private full = false;
  private readonly flushSoon = () => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly res: ServerResponse) {}

  open(headers: Record<string, string>): void {
    this.res.writeHead(200, { ...SSE_HEADERS, ...headers });
  }

  /** Returns a promise only when the socket is full, so the common path costs no microtask. */
  write(text: string): Promise<void> | undefined {
    if (this.res.destroyed) return undefined;
    this.pending += text;
    if (this.pending.length >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
    return this.full ? this.drained() : undefined;
  }

  private flush(): void {
    if (this.pending === '' || this.res.writableEnded || this.res.destroyed) return;
    const text = this.pending;
    this.pending = '';
    this.full = !this.res.write(text);
  }

  /** 'drain' never comes once the client has gone: wait for whichever of the two happens. */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.full = false;
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  error(err: GatewayError): void {
    void this.write(sseData(JSON.stringify(err.toBody())));
  }

  end(trailer?: string): void {
    if (this.res.destroyed) return;
    const text = this.pending + (trailer ?? '');
    this.pending = '';
    this.res.end(text === '' ? undefined : text);
  }
}

/** What a streamed route sends in each `data:` event; the framing, errors and [DONE] are the sink's. */
export interface SseFormat {
  /** An event right after the headers (the simple API announces the route it took). */
  preamble?(headers: Record<string, string>): string | undefined;
  /** One event's payload (a single line), or undefined to send nothing for it. */
  payload(event: ChatStreamEvent): string | undefined;
}

/** OpenAI's format: each chunk as `data: {json}`, the upstream's own bytes when it spoke OpenAI already. */
export const openAIFormat: SseFormat = { payload: (event) => event.raw ?? JSON.stringify(event.chunk) };

/** Takes the socket from Fastify only once the first event is ready, so earlier failures stay plain HTTP errors. */
export function sseSink(reply: FastifyReply, format: SseFormat): StreamSink {
  const writer = new SseWriter(reply.raw);
  let failed = false;
  return {
    open(headers) {
      reply.hijack();
      writer.open(headers);
      const preamble = format.preamble?.(headers);
      if (preamble !== undefined) void writer.write(sseData(preamble));
    },
    event(event) {
      const payload = format.payload(event);
      return payload === undefined ? undefined : writer.write(sseData(payload));
    },
    error(err) {
      failed = true;
      writer.error(err);
    },
    // After an error the stream ends without [DONE], so no client mistakes it for a complete answer.
    end: () => writer.end(failed ? undefined : SSE_DONE),
  };
}
