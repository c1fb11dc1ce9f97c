// The spellings the first users' configs carry: mapped onto today's variables, the new name winning, one warning each.
import { describe, expect, it } from 'vitest';
import { applyEnvAliases } from '../src/config-env-aliases.js';
import { loadConfig } from '../src/config.js';
import { startGateway } from './helpers/gateway.js';

const byId = (env: Record<string, string>) => Object.fromEntries(loadConfig(env).providers.map((p) => [p.id, p]));

describe('deprecated env spellings', () => {
  it('GEMINI_KEY switches Gemini on as GEMINI_API_KEY would', () => {
    expect(byId({ GEMINI_KEY: 'g-old' }).gemini).toMatchObject({ apiKey: 'g-old', baseUrl: 'https://generativelanguage.googleapis.com/v1beta' });
  });

  it('DIPSEEK_API_KEY and DIPSEEK_ENDPOINT configure DeepSeek, an endpoint naming the chat route cut to its base', () => {
    expect(byId({ DIPSEEK_API_KEY: 'd-old' }).deepseek).toMatchObject({ apiKey: 'd-old', baseUrl: 'https://api.deepseek.com/v1' });
    const custom = byId({ DIPSEEK_API_KEY: 'd-old', DIPSEEK_ENDPOINT: 'https://ds.internal/v1/chat/completions/' }).deepseek;
    expect(custom?.baseUrl).toBe('https://ds.internal/v1');
  });

  it('LLM_PROVIDER becomes the default provider: the head of the fallback order', () => {
    expect(loadConfig({ LLM_PROVIDER: 'ollama', OLLAMA_MODEL: 'llama3.2' }).fallbackOrder).toEqual(['ollama']);
  });

  it('LLM_PROXY__INTERNAL_API_KEY is added to the gateway keys, once', () => {
    expect(loadConfig({ LLM_PROXY__INTERNAL_API_KEY: 'legacy-1' }).apiKeys).toEqual(['legacy-1']);
    expect(loadConfig({ LLM_PROXY__INTERNAL_API_KEY: 'legacy-1', GATEWAY_API_KEYS: 'a,b' }).apiKeys).toEqual(['a', 'b', 'legacy-1']);
    expect(loadConfig({ LLM_PROXY__INTERNAL_API_KEY: 'b', GATEWAY_API_KEYS: 'a,b' }).apiKeys).toEqual(['a', 'b']);
  });

  it('lets the new name win when both are set, and says the old one is ignored', () => {
    const config = loadConfig({ GEMINI_KEY: 'g-old', GEMINI_API_KEY: 'g-new', LLM_PROVIDER: 'x', LLM_PROVIDERS: 'gemini' });
    expect(config.providers.find((p) => p.id === 'gemini')?.apiKey).toBe('g-new');
    expect(config.fallbackOrder).toEqual(['gemini']);
    expect(config.envNotices.map((n) => n.message)).toEqual([
      'GEMINI_KEY is ignored because GEMINI_API_KEY is set too: remove GEMINI_KEY',
      'LLM_PROVIDER is ignored because LLM_PROVIDERS is set too: remove LLM_PROVIDER',
    ]);
  });

  it('notices name both variables and carry no value; blank old values are unset; the env object is not modified', () => {
    const env = { DIPSEEK_API_KEY: 'd-secret-value', GEMINI_KEY: '  ' };
    const { env: mapped, notices } = applyEnvAliases(env);
    expect(notices).toEqual([{ fields: { deprecated: 'DIPSEEK_API_KEY', use: 'DEEPSEEK_API_KEY' }, message: 'DIPSEEK_API_KEY is deprecated: rename it to DEEPSEEK_API_KEY' }]);
    expect(JSON.stringify(notices)).not.toContain('d-secret-value');
    expect(mapped.DEEPSEEK_API_KEY).toBe('d-secret-value');
    expect(env).toEqual({ DIPSEEK_API_KEY: 'd-secret-value', GEMINI_KEY: '  ' });
    expect(applyEnvAliases({ GEMINI_API_KEY: 'x' }).notices).toEqual([]);
  });
});

describe('a gateway started with old spellings', () => {
  it('warns once per spelling with pino, naming the new variable, and the legacy key works', async () => {
    const gateway = await startGateway({ env: { LLM_PROXY__INTERNAL_API_KEY: 'legacy-key-7f3a9c', LLM_PROVIDER: 'mock' } });
    try {
      const ask = (key?: string) =>
        fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
          body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
        });
      expect((await ask('legacy-key-7f3a9c')).status).toBe(200);
      expect((await ask('legacy-key-7f3a9c')).status).toBe(200);
      expect((await ask()).status).toBe(401);
      const warnings = gateway.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.deprecated);
      expect(warnings.map((w) => [w.level, w.deprecated, w.use])).toEqual([
        [40, 'LLM_PROVIDER', 'LLM_PROVIDERS'],
        [40, 'LLM_PROXY__INTERNAL_API_KEY', 'GATEWAY_API_KEYS'],
      ]);
      expect(gateway.logLines.join('\n')).not.toContain('legacy-key-7f3a9c');
    } finally {
      await gateway.close();
    }
  });
});
