// The HTTP glue every chat surface shares: parse with the surface, run the exchange pipeline, send the surface's
// JSON or stream its frames. Errors thrown here reach the surface's own error handler (its envelope).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import { Exchange } from '../../pipeline/exchange.js';
import { renderContext, type Pipeline } from '../../pipeline/pipeline.js';
import { SseWriter } from '../sse-writer.js';
import type { ParsedRequest, Surface } from './surface.js';

export interface SurfaceDeps {
  deps: Deps;
  pipeline: Pipeline;
}

/** What a surface folder exports: a function registering its routes in the scope the app gives it. */
export type SurfaceRoutes = (scope: FastifyInstance, context: SurfaceDeps) => void;

/** Runs after parsing, before the pipeline: a surface's own preparation of the request (e.g. a session's memory). */
export type Prepare = (parsed: ParsedRequest, req: FastifyRequest) => Promise<void>;

export async function serveChat(pipeline: Pipeline, surface: Surface, endpoint: string, req: FastifyRequest, reply: FastifyReply, prepare?: Prepare): Promise<FastifyReply> {
  const parsed = surface.parse(req.body, req.headers);
  if (prepare) await prepare(parsed, req);
  return serveParsed(pipeline, surface, parsed, endpoint, req, reply);
}

/**
 * For a surface that parses in its own way first (e.g. with state it had to load): the rest of serveChat.
 * `relayable: false` keeps the request on the bridge even when a deployment speaks the dialect natively.
 */
export async function serveParsed(pipeline: Pipeline, surface: Surface, parsed: ParsedRequest, endpoint: string, req: FastifyRequest, reply: FastifyReply, relayable = true): Promise<FastifyReply> {
  const x = new Exchange(req, reply, {
    endpoint,
    work: { kind: parsed.stream ? 'stream' : 'chat', request: parsed.chat },
    sessionId: parsed.sessionId,
    ...(relayable ? { dialect: surface.name } : {}),
    untranslatable: parsed.untranslatable,
  });
  const writer = new SseWriter(reply);
  if (parsed.stream) {
    await pipeline.stream(x, surface, parsed, writer);
    return reply;
  }
  const completion = await pipeline.chat(x, surface, parsed, writer);
  // Relayed untranslated: the upstream's bytes have been sent already.
  if (!completion) return reply;
  return reply.send(surface.renderJson(completion, renderContext(x, parsed)));
}
