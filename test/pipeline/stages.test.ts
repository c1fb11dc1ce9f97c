// The pipeline runs stages once each, in order; a refusal stops the stages after it and only the stages that
// entered leave (in reverse); a stage may answer by itself (a cache hit) and the route is then never called.
// None of it involves a surface: a new stage is a new Stage object in the list.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import { GatewayError } from '../../src/errors.js';
import { Exchange } from '../../src/pipeline/exchange.js';
import { rawHeaderTarget } from '../../src/pipeline/headers.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Stage } from '../../src/pipeline/stage.js';
import { makeCompletion } from '../../src/providers/chunks.js';

function exchange(): Exchange {
  const raw = new IncomingMessage(new Socket());
  const req = { id: 'req-1', raw, headers: {}, gatewayKeyId: 'key_1' } as unknown as FastifyRequest;
  return new Exchange(req, rawHeaderTarget(new ServerResponse(raw)), { endpoint: '/v1/chat/completions', work: { kind: 'chat', request: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } }, sessionId: undefined });
}

function tracing(name: string, log: string[], enter?: (x: Exchange) => void | Promise<void>): Stage {
  return {
    name,
    enter: (x) => {
      log.push(name);
      return enter?.(x);
    },
    leave: (x) => log.push(`${name}:leave:${x.outcome?.status}`),
  };
}

const cached = makeCompletion('cache/m', { role: 'assistant', content: 'from the cache' }, 'stop', undefined);

describe('pipeline stages', () => {
  it('a stage that answers serves the request without the stages after it; leave runs in reverse', async () => {
    const log: string[] = [];
    const route = tracing('route', log, () => {
      throw new Error('the route must not run on a cache hit');
    });
    const cache = tracing('cache', log, (x) => {
      x.completion = cached;
      x.answered = true;
    });
    const pipeline = new Pipeline({} as Deps, [tracing('authorize', log), cache, route]);
    const x = exchange();
    expect(await pipeline.chat(x)).toBe(cached);
    expect(log).toEqual(['authorize', 'cache', 'cache:leave:200', 'authorize:leave:200']);
    expect(x.outcome).toMatchObject({ status: 200, content: 'from the cache' });
  });

  it('a refusal stops the stages after it; only the stages that entered before it leave', async () => {
    const log: string[] = [];
    const refuse = tracing('limits', log, async () => {
      throw new GatewayError({ status: 429, message: 'slow down', code: 'rate_limit_exceeded' });
    });
    const pipeline = new Pipeline({} as Deps, [tracing('authorize', log), refuse, tracing('record', log), tracing('route', log)]);
    const x = exchange();
    await expect(pipeline.chat(x)).rejects.toMatchObject({ status: 429 });
    expect(log).toEqual(['authorize', 'limits', 'authorize:leave:429']);
    expect(x.res.getHeader('x-gateway-attempts')).toBe('0');
  });

  it('a failure after the gates is seen by every stage that entered', async () => {
    const log: string[] = [];
    const failingRoute = tracing('route', log, () => {
      throw new GatewayError({ status: 502, message: 'upstream down', code: 'upstream_error' });
    });
    const pipeline = new Pipeline({} as Deps, [tracing('authorize', log), tracing('record', log), failingRoute]);
    await expect(pipeline.chat(exchange())).rejects.toMatchObject({ status: 502 });
    expect(log).toEqual(['authorize', 'record', 'route', 'record:leave:502', 'authorize:leave:502']);
  });
});
