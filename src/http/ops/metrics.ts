// GET /metrics: Prometheus text format; log-writer counts and circuit states are sampled at scrape time.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';

export function registerMetrics(app: FastifyInstance, deps: Deps): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text format)', tags: ['Operations'] } }, async (_req, reply) => {
    const { metrics } = deps;
    metrics.sync(deps.logWriter.stats, deps.health, deps.registry);
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
