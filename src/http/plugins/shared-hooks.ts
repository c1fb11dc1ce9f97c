// Marks a plugin as adding hooks to the scope that registers it (what fastify-plugin does), so `scope.register(auth)`
// protects the routes registered beside it in that scope and nothing outside it.
import type { FastifyPluginAsync } from 'fastify';

export function sharedHooks<Options extends object>(plugin: FastifyPluginAsync<Options>): FastifyPluginAsync<Options> {
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
