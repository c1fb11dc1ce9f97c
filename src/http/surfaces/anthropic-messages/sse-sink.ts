// A StreamSink over a StreamRenderer: today's ChatExchange drives it and the renderer's frames go to the socket.
// Writes are corked until the event loop's check phase, so the frames of one upstream read leave in one writev.
import type { FastifyReply } from 'fastify';
import type { Redact, StreamRenderer } from '../surface.js';
import type { StreamSink } from '../../../routes/exchange.js';
import { SSE_HEADERS } from '../../../routes/sse-reply.js';

export function rendererSink(reply: FastifyReply, openRenderer: (headers: Record<string, string>) => StreamRenderer, redact: Redact): StreamSink {
  const res = reply.raw;
  let renderer: StreamRenderer | undefined;
  let corked = false;
  let failed = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  const drained = () =>
    new Promise<void>((resolve) => {
      // 'drain' never comes once the client has gone: wait for whichever happens first.
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  const write = (text: string): Promise<void> | undefined => {
    if (text === '' || res.destroyed) return undefined;
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(uncork);
    }
    return res.write(text) ? undefined : drained();
  };
  return {
    open(headers) {
      reply.hijack();
      renderer = openRenderer(headers);
      res.writeHead(200, { ...SSE_HEADERS, ...headers });
      void write(renderer.start());
    },
    event: (event) => (renderer ? write(renderer.chunk(event)) : undefined),
    error(err) {
      failed = true;
      if (renderer) void write(renderer.error(err, redact));
    },
    // After an error there is no message_stop, so no client mistakes the stream for a complete answer.
    end() {
      if (res.destroyed) return;
      res.end(failed || !renderer ? undefined : renderer.end());
    },
  };
}
