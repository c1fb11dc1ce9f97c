// Any content type is read as JSON: `curl -d` sends form-urlencoded, and clients forget the header. A body nested
// deeper than MAX_JSON_DEPTH is refused before it is parsed (thousands deep overflowed the stack further on).
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors.js';
import { exceedsJsonDepth } from '../json-depth.js';

export function readEveryBodyAsJson(app: FastifyInstance, maxDepth: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (exceedsJsonDepth(text, maxDepth)) {
      return done(new GatewayError({ status: 400, message: `The JSON body is nested deeper than ${maxDepth} levels (MAX_JSON_DEPTH).`, code: 'json_too_deep' }));
    }
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
