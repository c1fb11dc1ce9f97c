// The native pass-through: a Responses request to an upstream that speaks Responses (OpenAI, or a server configured
// so) goes through the pipeline as sent, and the upstream's bytes (JSON or SSE) reach the client unchanged. Usage
// is read for the log on the way: from the JSON body, or from the stream's final response.* event.
import { once } from 'node:events';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Pipeline } from '../../../pipeline/pipeline.js';
import type { PassthroughHandle } from '../../../routing/router.js';
import type { Usage } from '../../../schemas/chat-response.js';
import { safeJsonParse } from '../../../upstream/http.js';
import { SseParser, type SseEvent } from '../../../upstream/sse.js';
import { SSE_HEADERS } from '../../sse-writer.js';
import type { Exchange } from '../../../pipeline/exchange.js';

const usageSchema = z.looseObject({
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number().optional(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().optional() }).nullish(),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().optional() }).nullish(),
});
const withUsageSchema = z.looseObject({ usage: usageSchema.nullish() });
const finalEventSchema = z.looseObject({ response: withUsageSchema });

/** The final events: the one that carries the usage. */
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

function chatUsage(json: unknown): Usage | undefined {
  const parsed = withUsageSchema.safeParse(json);
  const usage = parsed.success ? parsed.data.usage : undefined;
  if (!usage) return undefined;
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
    ...(usage.input_tokens_details?.cached_tokens !== undefined ? { prompt_tokens_details: { cached_tokens: usage.input_tokens_details.cached_tokens } } : {}),
    ...(usage.output_tokens_details?.reasoning_tokens !== undefined ? { completion_tokens_details: { reasoning_tokens: usage.output_tokens_details.reasoning_tokens } } : {}),
  };
}

function streamUsage(events: SseEvent[]): Usage | undefined {
  let usage: Usage | undefined;
  for (const event of events) {
    if (event.event === undefined || !FINAL_EVENTS.has(event.event)) continue;
    const parsed = finalEventSchema.safeParse(safeJsonParse(event.data));
    if (parsed.success) usage = chatUsage(parsed.data.response) ?? usage;
  }
  return usage;
}

/** Writes the upstream's body to the client as it arrives (backpressure honoured); returns the usage it saw. */
async function forwardBytes(reply: FastifyReply, { response }: PassthroughHandle): Promise<Usage | undefined> {
  const res = reply.raw;
  const contentType = String(response.headers['content-type'] ?? 'application/json');
  const sse = contentType.includes('text/event-stream');
  reply.hijack();
  res.writeHead(200, sse ? SSE_HEADERS : { 'content-type': contentType });
  const decoder = new TextDecoder();
  const parser = sse ? new SseParser() : undefined;
  const events: SseEvent[] = [];
  let usage: Usage | undefined;
  let json = '';
  // A failure mid-body breaks the connection: the client sees a cut answer, never a clean-looking end.
  response.body.once('error', () => res.destroy());
  for await (const bytes of response.body) {
    if (!res.write(bytes) && !res.destroyed) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    const text = decoder.decode(bytes as Uint8Array, { stream: true });
    if (parser) {
      parser.push(text, events);
      if (events.length > 0) {
        usage = streamUsage(events) ?? usage;
        events.length = 0;
      }
    } else json += text;
  }
  res.end();
  return parser ? usage : chatUsage(safeJsonParse(json));
}

export const servePassthrough = (pipeline: Pipeline, x: Exchange, reply: FastifyReply) => pipeline.passthrough(x, (handle) => forwardBytes(reply, handle));
