// A request's logger is made on its first line only, and the line reads as the eager child's would have.
import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lazyChildLogger } from '../../src/http/lazy-request-logger.js';
import { createLogger } from '../../src/logger.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger(level, sink) as unknown as FastifyBaseLogger, lines };
}

describe('the lazy request logger', () => {
  it('makes no child until the request logs, then writes through the child the eager factory makes', () => {
    const { log, lines } = capture('info');
    const child = vi.spyOn(log, 'child');
    const lazy = lazyChildLogger(log, { reqId: 'r-1' }, {});
    expect(lazy.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
    lazy.warn({ code: 'x' }, 'something %s', 'odd');
    lazy.info('second');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, reqId: 'r-1', code: 'x', msg: 'something odd', service: 'llm-gateway' }),
      expect.objectContaining({ level: 30, reqId: 'r-1', msg: 'second' }),
    ]);
  });

  it("keeps a route's own level and the parent's redaction", () => {
    const { log, lines } = capture('info');
    const lazy = lazyChildLogger(log, { reqId: 'r-2' }, { level: 'error' });
    expect(lazy.level).toBe('error');
    lazy.info('dropped');
    lazy.error({ req: { headers: { authorization: 'Bearer sk-x' } } }, 'kept');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reqId: 'r-2', msg: 'kept', req: { headers: { authorization: '[REDACTED]' } } });
  });
});

describe('through the gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway?.close());

  it("a request's log line still carries its request id", async () => {
    const requestId = `lazy-${crypto.randomUUID()}`;
    const res = await fetch(`${gateway.baseURL}/no-such-route`, { method: 'POST', body: '{}', headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(404);
    const logged = gateway.logLines.map((l) => JSON.parse(l) as { msg: string; reqId?: string }).filter((l) => l.msg === 'unknown route');
    expect(logged).toContainEqual(expect.objectContaining({ reqId: requestId }));
  });
});
