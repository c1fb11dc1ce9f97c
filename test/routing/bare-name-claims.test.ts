// Bare claude-* names reach the provider of kind anthropic when nobody lists them; listings and aliases win.
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import type { ModelInfo, Provider, ProviderConfig } from '../../src/providers/provider.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { ModelResolver } from '../../src/routing/resolve.js';

function listing(config: ProviderConfig, models: string[]): Provider {
  const list: ModelInfo[] = models.map((id) => ({ id }));
  return { id: config.id, type: config.type, listModels: async () => list } as unknown as Provider;
}

function world(providers: Array<{ id: string; type: ProviderConfig['type']; models: string[] }>, routes: Config['routes'] = []): ModelResolver {
  const registry = new ProviderRegistry({ dispatcher: undefined as never });
  for (const p of providers) {
    const config: ProviderConfig = { id: p.id, type: p.type, baseUrl: 'http://127.0.0.1:9' };
    registry.add(config, listing(config, p.models));
  }
  const config = { ...loadConfig({ OPENAI_API_KEY: 'sk-test' }), mockMode: false, routes, fallbackEnabled: false };
  return new ModelResolver(config, registry);
}

const firstTarget = async (resolver: ModelResolver, name: string) => (await resolver.resolve(name)).targets[0];

describe('bare claude-* names', () => {
  const providers = [
    { id: 'openai', type: 'openai' as const, models: ['gpt-4o'] },
    { id: 'claude-main', type: 'anthropic' as const, models: [] },
    { id: 'claude-spare', type: 'anthropic' as const, models: [] },
  ];

  it.each(['claude-sonnet-4-5', 'claude-opus-4-1-20250805', 'claude-3-5-haiku-20241022', 'claude-3-7-sonnet-latest', 'claude-haiku-4-5', 'claude-3-haiku-20240307'])(
    '%s goes to the first provider of kind anthropic though none lists it',
    async (name) => {
      expect(await firstTarget(world(providers), name)).toEqual({ provider: 'claude-main', model: name, weight: 1 });
    },
  );

  it('names outside the family, or look-alikes, stay unknown', async () => {
    for (const name of ['claude', 'claude-instant', 'claude-sonnet', 'my-claude-sonnet-4-5', 'claude-sonnet-4-5-extra']) {
      await expect(world(providers).resolve(name)).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    }
  });

  it('a provider that lists the name wins over the claim', async () => {
    const listed = [{ id: 'proxy', type: 'openai-compatible' as const, models: ['claude-sonnet-4-5'] }, ...providers];
    expect(await firstTarget(world(listed), 'claude-sonnet-4-5')).toMatchObject({ provider: 'proxy' });
  });

  it('an alias maps the name elsewhere', async () => {
    const routes = [{ name: 'claude-sonnet-4-5', strategy: 'fallback' as const, targets: [{ model: 'openai/gpt-4o', weight: 1 }] }];
    expect(await firstTarget(world(providers, routes as Config['routes']), 'claude-sonnet-4-5')).toMatchObject({ provider: 'openai', model: 'gpt-4o' });
  });

  it('without a provider of kind anthropic, the name is unknown', async () => {
    await expect(world(providers.slice(0, 1)).resolve('claude-sonnet-4-5')).rejects.toMatchObject({ status: 404 });
  });
});
