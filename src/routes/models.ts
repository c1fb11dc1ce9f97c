// GET /v1/models, /v1/models/{id}, /v1/llm/models: every provider/model the enabled providers serve, plus aliases.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { modelNotFound } from '../errors.js';

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

const BOOT_TIME = Math.floor(Date.now() / 1000);

async function listModels(deps: Deps): Promise<ModelObject[]> {
  const models = await deps.registry.allModels();
  const listed: ModelObject[] = models.map(({ provider, model }) => ({
    id: `${provider}/${model.id}`,
    object: 'model',
    created: model.created ?? BOOT_TIME,
    owned_by: model.ownedBy ?? provider,
  }));
  for (const alias of deps.resolver.aliasNames()) listed.push({ id: alias, object: 'model', created: BOOT_TIME, owned_by: 'llm-gateway' });
  return listed;
}

export function registerModels(app: FastifyInstance, deps: Deps): void {
  const list = async () => ({ object: 'list' as const, data: await listModels(deps) });
  app.get('/v1/models', list);
  app.get('/v1/llm/models', list);
  // Model ids contain slashes (provider/model), so the id is the wildcard rest of the path.
  app.get('/v1/models/*', async (req) => {
    // Already decoded by the router; decoding again would turn a literal '%' into an error.
    const id = (req.params as { '*': string })['*'];
    const found = (await listModels(deps)).find((m) => m.id === id);
    if (!found) throw modelNotFound(id);
    return found;
  });
}
