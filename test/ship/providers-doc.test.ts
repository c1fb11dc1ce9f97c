// docs/providers.md cannot drift from the code: its capability table and its list of cells a provider cannot do
// are regenerated and compared, and its configuration table is checked against the registry's provider kinds and the
// requests the end-to-end tests prove.
import { describe, expect, it } from 'vitest';
import { PROVIDER_KINDS, providersFromEnv } from '../../src/providers/registry.js';
import { TABLE_PROVIDERS, WIRE_CALLS } from '../e2e/provider-cells.js';
import { SAMPLE_MODELS, renderCannot, renderCapabilities, section, type DocProvider } from './providers-doc.js';
import { readRepoFile } from './ship-helpers.js';

const doc = readRepoFile('docs/providers.md');

interface ConfigRow {
  type: string;
  switchedOnBy: string;
  alsoReads: string;
  baseUrl: string;
  listing: string;
  probe: string;
}

function configurationRows(): ConfigRow[] {
  const table = section(doc, 'configuration') ?? '';
  return table
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').slice(1, -1).map((c) => c.trim()))
    .map(([, type, switchedOnBy, alsoReads, baseUrl, listing, probe]) => ({
      type: (type ?? '').replaceAll('`', ''),
      switchedOnBy: switchedOnBy ?? '',
      alsoReads: alsoReads ?? '',
      baseUrl: baseUrl ?? '',
      listing: listing ?? '',
      probe: probe ?? '',
    }));
}

const PREFIX: Record<Exclude<keyof typeof PROVIDER_KINDS, 'openai-compatible'>, string> = {
  openai: 'OPENAI',
  gemini: 'GEMINI',
  anthropic: 'ANTHROPIC',
  mistral: 'MISTRAL',
  deepseek: 'DEEPSEEK',
  ollama: 'OLLAMA',
  lmstudio: 'LMSTUDIO',
  llamacpp: 'LLAMACPP',
  vllm: 'VLLM',
};
const envNames = (text: string, prefix: string) => [...text.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!).filter((n) => n.startsWith(`${prefix}_`));

describe('docs/providers.md', () => {
  it('has the capability table the adapters report', async () => {
    expect(section(doc, 'capabilities')).toBe(await renderCapabilities());
  });

  it('lists exactly the cells the end-to-end tests treat as impossible for the provider', () => {
    expect(section(doc, 'cannot')).toBe(renderCannot());
  });

  it('has one configuration row per provider type', () => {
    expect(configurationRows().map((r) => r.type)).toEqual(Object.keys(SAMPLE_MODELS) as DocProvider[]);
  });

  it.each(Object.keys(PREFIX) as Array<keyof typeof PREFIX>)('%s: the variables it names switch the provider on and reach its config', (type) => {
    const row = configurationRows().find((r) => r.type === type)!;
    const switches = envNames(row.switchedOnBy, PREFIX[type]);
    const names = [...switches, ...envNames(row.alsoReads, PREFIX[type])];
    expect(switches.length).toBeGreaterThan(0);
    // Every named variable set at once: each value must end up in the provider's config.
    const sentinel = (name: string) => (name.endsWith('_BASE_URL') ? `http://doc-${name.toLowerCase()}.test/v1` : `doc-${name.toLowerCase()}`);
    const config = providersFromEnv(Object.fromEntries(names.map((n) => [n, sentinel(n)]))).find((p) => p.id === type);
    for (const name of names) expect(JSON.stringify(config), name).toContain(sentinel(name));
    // A switch that is not the base URL, alone: the provider is on, at the default base URL the doc states.
    const key = switches.find((n) => !n.endsWith('_BASE_URL')) ?? switches[0]!;
    const alone = providersFromEnv({ [key]: sentinel(key) }).find((p) => p.id === type);
    expect(alone?.baseUrl).toBe(PROVIDER_KINDS[type].defaultBaseUrl);
    expect(row.baseUrl).toBe(`\`${PROVIDER_KINDS[type].defaultBaseUrl}\``);
  });

  it.each(TABLE_PROVIDERS)('%s: the listing and probe requests are the ones the end-to-end tests see', (type) => {
    const row = configurationRows().find((r) => r.type === type)!;
    expect(row.listing).toContain(`\`${WIRE_CALLS[type].listing}\``);
    expect(row.probe).toContain(`\`${WIRE_CALLS[type].probe}\``);
  });
});

describe('README.md providers tables', () => {
  it('are the same tables as docs/providers.md (so both stay checked against the code)', () => {
    const readme = readRepoFile('README.md');
    for (const name of ['configuration', 'capabilities']) {
      expect(section(readme, name), name).toBeDefined();
      expect(section(readme, name), name).toBe(section(doc, name));
    }
  });
});
