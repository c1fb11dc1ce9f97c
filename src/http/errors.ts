// Turns whatever a route threw (ours, or Fastify's own: bad JSON, body too large, wrong content type…) into one
// GatewayError, logs it once, and answers it in the envelope of the surface that owns the route.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, toGatewayError } from '../errors.js';
import type { Redact, RenderedError } from './surfaces/surface.js';

export function asGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const fastifyError = err as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request_too_large' : fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError ? 'invalid_json' : 'invalid_request';
    return new GatewayError({ status, message: fastifyError.message ?? 'Bad request', code });
  }
  if (err instanceof SyntaxError) return new GatewayError({ status: 400, message: `Invalid JSON body: ${err.message}`, code: 'invalid_json' });
  return toGatewayError(err);
}

export type RenderError = (err: GatewayError, redact: Redact) => RenderedError;

/** A scope's error handler: the surface's envelope, redacted in its renderer. */
export function errorHandlerFor(render: RenderError, redact: Redact) {
  return function handleError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
    const error = asGatewayError(err);
    if (error.status >= 500) req.log.error({ err: redact(error.message), code: error.code && redact(error.code), provider: error.provider }, 'request failed');
    else req.log.info({ status: error.status, code: error.code && redact(error.code) }, redact(error.message));
    const rendered = render(error, redact);
    if (rendered.headers) reply.headers(rendered.headers);
    return reply.status(rendered.status).send(rendered.body);
  };
}
