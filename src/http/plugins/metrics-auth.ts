// METRICS_AUTH: whether the operator views that grow with traffic (/metrics, /health/providers) ask for a gateway
// key. Off by default, as LiteLLM's /metrics is (require_auth_for_metrics_endpoint: false) and as Prometheus
// scrapers expect; their size is bounded either way (src/metric-labels.ts, src/routing/health.ts).
import type { FastifyRequest } from 'fastify';

/** Routes behind the key when METRICS_AUTH is on; the liveness and readiness probes stay open for orchestrators. */
export const METRICS_AUTH_ROUTES: ReadonlySet<string> = new Set(['/metrics', '/health/providers']);

export interface MetricsAuthConfig {
  metricsAuth: boolean;
  apiKeys: readonly string[];
}

/** Whether a request to this route (the matched route pattern, never the raw URL) must carry a gateway key. */
export function metricsNeedKey(config: MetricsAuthConfig, route: string | undefined): boolean {
  return config.metricsAuth && config.apiKeys.length > 0 && METRICS_AUTH_ROUTES.has(route ?? '');
}

type Authenticate = (req: FastifyRequest) => Promise<void>;

/** The onRequest hooks to add: none when the key is not required, so an open gateway pays nothing per request. */
export function metricsAuthHooks(config: MetricsAuthConfig, authenticate: Authenticate): Array<(req: FastifyRequest) => Promise<void>> {
  if (!config.metricsAuth || config.apiKeys.length === 0) return [];
  return [
    async (req) => {
      if (metricsNeedKey(config, req.routeOptions.url)) await authenticate(req);
    },
  ];
}
