// resolve: the model name (an alias, a route, provider/model) → the route plan of deployments to try.
import type { ModelResolver } from '../../routing/resolve.js';
import type { Stage } from '../stage.js';

/** Per-request fallback order from the `x-gateway-fallback` header: comma-separated providers or provider/models. */
export function fallbackOverride(header: string | string[] | undefined): string[] | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  return header.split(',').map((s) => s.trim()).filter(Boolean);
}

export function resolveStage(resolver: ModelResolver): Stage {
  return {
    name: 'resolve',
    async enter(x) {
      x.plan = await resolver.resolve(x.model, fallbackOverride(x.req.headers['x-gateway-fallback']));
    },
  };
}
