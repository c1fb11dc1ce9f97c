// GET /v1/models, /v1/models/{id}, /v1/llm/models: every provider/model the enabled providers serve, plus aliases.
// Kept with the OpenAI surface: the list is OpenAI's shape and errors are its envelope (the Anthropic surface's
// model list, when it comes, has another shape).
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../../deps.js';
import { modelNotFound } from '../../../errors.js';
import { modelListSchema, modelSchema, openAIErrorSchema } from '../../openapi-shapes.js';

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

export function registerModels(scope: FastifyInstance, deps: Deps): void {
  const list = async () => ({ object: 'list' as const, data: await listModels(deps) });
  const listSchema = { tags: ['OpenAI'], response: { 200: modelListSchema, default: openAIErrorSchema } };
  scope.get('/v1/models', { schema: { summary: 'List models (provider/model ids and aliases)', ...listSchema } }, list);
  scope.get('/v1/llm/models', { schema: { summary: 'List models (the same list, older path)', ...listSchema } }, list);
  // Model ids contain slashes (provider/model), so the id is the wildcard rest of the path.
  const one = { summary: 'Retrieve one model by id (provider/model or an alias)', tags: ['OpenAI'], response: { 200: modelSchema, default: openAIErrorSchema } };
  scope.get('/v1/models/*', { schema: one }, async (req) => {
    // Already decoded by the router; decoding again would turn a literal '%' into an error.
    const id = (req.params as { '*': string })['*'];
    const found = (await listModels(deps)).find((m) => m.id === id);
    if (!found) throw modelNotFound(id);
    return found;
  });
}
