// GET /metrics: Prometheus text format; log-writer gauges are sampled at scrape time.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';

export function registerMetrics(app: FastifyInstance, deps: Deps): void {
  app.get('/metrics', async (_req, reply) => {
    const { metrics, logWriter } = deps;
    metrics.logQueue.set(logWriter.stats.queued);
    metrics.logSpilled.set(logWriter.stats.spilled);
    metrics.logWritten.set(logWriter.stats.written);
    metrics.logDropped.set(logWriter.stats.dropped);
    metrics.logDegraded.set(logWriter.stats.degraded ? 1 : 0);
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
