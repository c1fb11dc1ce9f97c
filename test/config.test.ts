// Configuration: env switches providers on with the contract's defaults; bad values stop start-up naming the variable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertSafeBind, ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('uses the mock provider and embedded defaults when nothing is configured', () => {
    const config = loadConfig({});
    expect(config.providers.map((p) => p.id)).toEqual(['mock']);
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', databaseUrl: undefined, pgliteDir: './data/pglite', logBodies: true });
  });

  it('switches providers on by their env vars with the contract base URLs', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-1',
      GEMINI_API_KEY: 'g-1',
      ANTHROPIC_API_KEY: 'a-1',
      MISTRAL_API_KEY: 'm-1',
      DEEPSEEK_API_KEY: 'd-1',
      OLLAMA_MODEL: 'llama3.2',
      LMSTUDIO_BASE_URL: 'http://box:1234/v1',
    });
    const byId = Object.fromEntries(config.providers.map((p) => [p.id, p]));
    expect(Object.keys(byId).sort()).toEqual(['anthropic', 'deepseek', 'gemini', 'lmstudio', 'mistral', 'ollama', 'openai']);
    expect(byId.openai?.baseUrl).toBe('https://api.openai.com/v1');
    expect(byId.gemini?.baseUrl).toBe('https://generativelanguage.googleapis.com/v1beta');
    expect(byId.anthropic?.baseUrl).toBe('https://api.anthropic.com/v1');
    expect(byId.mistral?.baseUrl).toBe('https://api.mistral.ai/v1');
    expect(byId.deepseek?.baseUrl).toBe('https://api.deepseek.com/v1');
    expect(byId.ollama).toMatchObject({ baseUrl: 'http://localhost:11434', models: ['llama3.2'] });
    expect(byId.lmstudio?.baseUrl).toBe('http://box:1234/v1');
  });

  it('keeps the mock provider under MOCK_MODE even with real providers', () => {
    const config = loadConfig({ MOCK_MODE: 'true', OPENAI_API_KEY: 'sk-1' });
    expect(config.mockMode).toBe(true);
    expect(config.providers.map((p) => p.id)).toContain('mock');
  });

  it('turns on Vertex AI when project and location are set', () => {
    const config = loadConfig({ GEMINI_PROJECT: 'proj', GEMINI_LOCATION: 'europe-west4' });
    expect(config.providers[0]).toMatchObject({ id: 'gemini', options: { project: 'proj', location: 'europe-west4' } });
  });

  it('names the variable when a value is invalid', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_BODIES: 'maybe' })).toThrow(/LOG_BODIES/);
  });

  it('reads routes and providers from a YAML config file with ${VAR} interpolation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
    const path = join(dir, 'gateway.yaml');
    writeFileSync(
      path,
      [
        'providers:',
        '  - id: vllm',
        '    type: openai-compatible',
        '    base_url: http://vllm:8000/v1',
        '    api_key: ${VLLM_API_KEY}',
        'models:',
        '  - name: smart',
        '    strategy: fallback',
        '    targets: [vllm/llama, { model: mock/echo, weight: 2 }]',
        'routing: { retries: 1, timeout_ms: 5000, first_token_timeout_ms: 1000 }',
      ].join('\n'),
    );
    const config = loadConfig({ GATEWAY_CONFIG: path, VLLM_API_KEY: 'secret-vllm' });
    expect(config.providers.find((p) => p.id === 'vllm')).toMatchObject({ type: 'openai-compatible', baseUrl: 'http://vllm:8000/v1', apiKey: 'secret-vllm' });
    expect(config.routes[0]).toMatchObject({ name: 'smart', strategy: 'fallback', targets: [{ model: 'vllm/llama', weight: 1 }, { model: 'mock/echo', weight: 2 }] });
    expect(config.routing).toMatchObject({ retries: 1, timeout_ms: 5000, first_token_timeout_ms: 1000 });
  });

  it('rejects a config file with a bad provider type, naming the file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ providers: [{ id: 'x', type: 'nope', base_url: 'http://x' }] }));
    expect(() => loadConfig({ GATEWAY_CONFIG: path })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_CONFIG: path })).toThrow(/GATEWAY_CONFIG.*providers\.0\.type/);
  });
});

describe('assertSafeBind', () => {
  it('refuses a non-loopback bind without keys unless explicitly allowed', () => {
    expect(() => assertSafeBind(loadConfig({ HOST: '0.0.0.0' }))).toThrow(/GATEWAY_API_KEYS/);
    expect(() => assertSafeBind(loadConfig({ HOST: '0.0.0.0', GATEWAY_API_KEYS: 'k-123456' }))).not.toThrow();
    expect(() => assertSafeBind(loadConfig({ HOST: '0.0.0.0', GATEWAY_ALLOW_NO_AUTH: 'true' }))).not.toThrow();
    expect(() => assertSafeBind(loadConfig({ HOST: '127.0.0.1' }))).not.toThrow();
  });
});
