// Today's StreamSink (what ChatExchange streams into) over a StreamRenderer: the renderer's frames written to the
// socket with backpressure, coalesced per event-loop turn. Goes away when the pipeline drives surfaces directly.
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { StreamSink } from '../../../routes/exchange.js';
import { SSE_HEADERS } from '../../../routes/sse-reply.js';
import type { Redact, StreamRenderer } from '../surface.js';

/** Flush at once past this many buffered characters, so one huge upstream read does not wait for the loop. */
const FLUSH_AT = 64 * 1024;

/**
 * Frames written during one upstream read leave as one socket write in the check phase, as the chat route's
 * SseWriter does (socket writes led its stream profiles); sse-reply.ts keeps that writer private, hence this copy's
 * small size: text in, backpressure out.
 */
class FrameWriter {
  private pending = '';
  private scheduled = false;
  private full = false;
  private readonly flushSoon = () => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly res: ServerResponse) {}

  write(text: string): Promise<void> | undefined {
    if (this.res.destroyed || text === '') return undefined;
    this.pending += text;
    if (this.pending.length >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
    return this.full ? this.drained() : undefined;
  }

  end(text: string): void {
    if (this.res.destroyed) return;
    const rest = this.pending + text;
    this.pending = '';
    this.res.end(rest === '' ? undefined : rest);
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
}

/** Takes the socket from Fastify only once the first chunk is ready, so earlier failures stay plain HTTP errors. */
export function rendererSink(reply: FastifyReply, openRenderer: (headers: Record<string, string>) => StreamRenderer, redact: Redact): StreamSink {
  const writer = new FrameWriter(reply.raw);
  let renderer: StreamRenderer | undefined;
  let failed = false;
  return {
    open(headers) {
      reply.hijack();
      reply.raw.writeHead(200, { ...SSE_HEADERS, ...headers });
      renderer = openRenderer(headers);
      void writer.write(renderer.start());
    },
    event: (event) => (renderer ? writer.write(renderer.chunk(event)) : undefined),
    error(err) {
      failed = true;
      if (renderer) void writer.write(renderer.error(err, redact));
    },
    // After a failure the stream ends on response.failed: no completed event follows it.
    end: () => writer.end(failed || !renderer ? '' : renderer.end()),
  };
}
