// Any content type is read as JSON: `curl -d` sends form-urlencoded, and clients forget the header.
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors.js';

export function readEveryBodyAsJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      // Only a failed parse needs to know whether the body was blank (trimming every body copied it).
      if (!/\S/.test(text)) return done(new GatewayError({ status: 400, message: 'The request body is empty; send a JSON object.', code: 'invalid_json' }));
      return done(new GatewayError({ status: 400, message: `Invalid JSON body: ${(err as Error).message}`, code: 'invalid_json' }));
    }
    done(null, parsed);
  });
}
