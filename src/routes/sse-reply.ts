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

class SseWriter {
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    // end() has flushed everything already (it fully uncorks); the socket may belong to the next response by now.
    if (!this.res.writableEnded) this.res.uncork();
  };

  constructor(private readonly res: ServerResponse) {}

  open(headers: Record<string, string>): void {
    this.res.writeHead(200, { ...SSE_HEADERS, ...headers });
  }

  /** Returns a promise only when the socket is full, so the common path costs no microtask. */
  write(text: string): Promise<void> | undefined {
    if (this.res.destroyed) return undefined;
    // Events decoded from one upstream read are written by a chain of microtasks: cork until the event loop's
    // check phase (after every microtask of this read) so they, and the end of the response when the read
    // held it, leave in one syscall instead of one each (writev was the top cost in stream profiles).
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      setImmediate(this.uncork);
    }
    if (this.res.write(text)) return undefined;
    // 'drain' never comes once the client has gone: wait for whichever of the two happens.
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  error(err: GatewayError): void {
    if (!this.res.destroyed) this.res.write(sseData(JSON.stringify(err.toBody())));
  }

  end(trailer?: string): void {
    if (!this.res.destroyed) this.res.end(trailer);
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
