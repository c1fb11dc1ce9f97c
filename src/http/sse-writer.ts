// Writes an SSE response straight to the socket, corked per upstream read, with backpressure. The frames are a
// surface renderer's text (`event:` lines included); this module knows nothing of any dialect.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { StreamWriter } from './surfaces/surface.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Stops nginx-style proxies from buffering the stream.
  'x-accel-buffering': 'no',
};

/** A client that sent `Connection: close` gets it back, so Node ends the socket with the stream (not 65 s later). */
const SSE_CLOSE_HEADERS = { ...SSE_HEADERS, connection: 'close' };
const wantsClose = (value: string | string[] | undefined) => typeof value === 'string' && /(^|[\s,])close($|[\s,])/i.test(value);

/** Flush at once past this many buffered characters, so one huge upstream read does not wait for the loop. */
const FLUSH_AT = 64 * 1024;

export class SseWriter implements StreamWriter {
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

  private readonly res: ServerResponse;

  constructor(private readonly reply: FastifyReply) {
    this.res = reply.raw;
  }

  /**
   * Takes the socket from Fastify and sends 200 with the SSE headers (plus those already set on the reply: the
   * request id, CORS, x-gateway-*): only once the first event is ready, so earlier failures stay plain HTTP errors.
   */
  open(): void {
    this.reply.hijack();
    this.res.writeHead(200, Object.assign(this.ownHeaders(), wantsClose(this.reply.request.headers.connection) ? SSE_CLOSE_HEADERS : SSE_HEADERS));
  }

  /** A fresh object (Fastify copies them): the SSE headers are merged into it, not into another copy. */
  private ownHeaders(): OutgoingHttpHeaders {
    return this.reply.getHeaders() as OutgoingHttpHeaders;
  }

  /** A pass-through's answer: the upstream's content type (SSE headers only for an event stream), same socket rules. */
  openRelay(contentType: string): void {
    this.reply.hijack();
    const own = this.ownHeaders();
    this.res.writeHead(200, Object.assign(own, contentType.includes('text/event-stream') ? SSE_HEADERS : undefined, { 'content-type': contentType }));
  }

  /** An upstream's bytes as they came (a pass-through): written at once, a promise only when the socket is full. */
  writeBytes(chunk: Buffer): Promise<void> | undefined {
    if (this.res.destroyed) return undefined;
    this.full = !this.res.write(chunk);
    return this.full ? this.drained() : undefined;
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

  end(trailer?: string): void {
    if (this.res.destroyed) return;
    const text = this.pending + (trailer ?? '');
    this.pending = '';
    this.res.end(text === '' ? undefined : text);
  }
}
