// Renders the generated parts of docs/providers.md from code: the capability table (each adapter's capabilities()
// over sample models) and the cells a provider cannot do (test/e2e/provider-cells.ts). providers-doc.test.ts
// compares them with the doc; `npx tsx test/ship/providers-doc.ts` prints them to paste.
import { PROVIDER_KINDS } from '../../src/providers/registry.js';
import type { Capabilities, ProviderType } from '../../src/providers/provider.js';
import { createDispatcher } from '../../src/upstream/http.js';
import { CANNOT, CELLS, TABLE_PROVIDERS } from '../e2e/provider-cells.js';

export type DocProvider = Exclude<ProviderType, 'mock'>;

/** Chat models whose capabilities differ within a provider, so a column can say "some models". */
export const SAMPLE_MODELS: Record<DocProvider, string[]> = {
  openai: ['gpt-4o-mini', 'gpt-4.1', 'o3', 'gpt-3.5-turbo'],
  gemini: ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-pro-preview', 'gemini-2.0-flash'],
  anthropic: ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5', 'claude-3-5-haiku-latest', 'claude-3-haiku-20240307'],
  mistral: ['mistral-small-latest', 'mistral-medium-latest', 'magistral-medium-latest', 'mistral-large-2411', 'open-mistral-nemo'],
  deepseek: ['deepseek-chat', 'deepseek-reasoner'],
  ollama: ['llama3.2'],
  lmstudio: ['qwen2.5-7b-instruct'],
  llamacpp: ['local-gguf'],
  vllm: ['Qwen/Qwen2.5-1.5B-Instruct'],
  'openai-compatible': ['meta-llama/Llama-3.1-8B-Instruct'],
};

const COLUMNS: Array<[string, keyof Capabilities]> = [
  ['files', 'files'],
  ['vision', 'vision'],
  ['tools', 'tools'],
  ['json_schema', 'jsonSchema'],
  ['reasoning', 'reasoning'],
  ['embeddings', 'embeddings'],
];

export async function capabilitiesOf(type: DocProvider): Promise<Capabilities[]> {
  const dispatcher = createDispatcher({ useEnvProxy: false });
  try {
    const provider = PROVIDER_KINDS[type].create({ id: type, type, baseUrl: 'http://127.0.0.1:9', apiKey: 'unused' }, { dispatcher });
    return SAMPLE_MODELS[type].map((model) => provider.capabilities(model));
  } finally {
    await dispatcher.close();
  }
}

const cell = (values: boolean[]) => (values.every(Boolean) ? '✓' : values.some(Boolean) ? 'some models' : '—');

export async function renderCapabilities(): Promise<string> {
  const lines = [`| type | ${COLUMNS.map(([name]) => name).join(' | ')} |`, `|---|${COLUMNS.map(() => '---').join('|')}|`];
  for (const type of Object.keys(SAMPLE_MODELS) as DocProvider[]) {
    const all = await capabilitiesOf(type);
    lines.push(`| \`${type}\` | ${COLUMNS.map(([, key]) => cell(all.map((c) => c[key]))).join(' | ')} |`);
  }
  return lines.join('\n');
}

const HOW = { rejected: 'a clear 400, no upstream call', degraded: 'sent without it (dropped or emulated)', absent: 'never produced by the provider' };

export function renderCannot(): string {
  const lines = ['| provider | cell | what the gateway does | why |', '|---|---|---|---|'];
  for (const provider of TABLE_PROVIDERS) {
    for (const [cellName, what] of Object.entries(CANNOT[provider])) {
      lines.push(`| ${provider} | ${CELLS[cellName as keyof typeof CELLS]} | ${HOW[what.how]} | ${what.why} |`);
    }
  }
  return lines.join('\n');
}

/** The text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function section(doc: string, name: string): string | undefined {
  const match = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(doc);
  return match?.[1];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await renderCapabilities()}\n\n${renderCannot()}\n`);
}
