// .env.example documents every environment variable src/ reads, and holds no real-looking secret.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { envReadsIn, readRepoFile, repoRoot } from './ship-helpers.js';

// The contract's and the gateway's documented variables, including ones only libraries read (undici, google-auth).
const DOCUMENTED = [
  'PORT', 'HOST', 'DATABASE_URL', 'PGLITE_DIR', 'LOG_BODIES', 'LOG_LEVEL',
  'GATEWAY_API_KEYS', 'GATEWAY_ALLOW_NO_AUTH', 'GATEWAY_CONFIG',
  'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'GEMINI_API_KEY', 'GEMINI_BASE_URL', 'GEMINI_PROJECT', 'GEMINI_LOCATION',
  'GOOGLE_APPLICATION_CREDENTIALS', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'MISTRAL_API_KEY', 'MISTRAL_BASE_URL',
  'DEEPSEEK_API_KEY', 'DEEPSEEK_BASE_URL', 'OLLAMA_BASE_URL', 'OLLAMA_MODEL', 'LMSTUDIO_BASE_URL', 'LMSTUDIO_MODEL',
  'LLM_PROVIDERS', 'LLM_FALLBACK_ENABLED', 'MOCK_MODE', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY',
  'BODY_LIMIT_BYTES', 'RATE_LIMIT_RPM', 'CORS_ORIGINS', 'SHUTDOWN_GRACE_MS', 'LOG_SPILL_DIR',
];

function sourceFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

const exampleText = readRepoFile('.env.example');
/** Every NAME=value line, commented out or not. */
const exampleLines = exampleText
  .split('\n')
  .map((line) => /^\s*(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ active: !m[1], name: m[2] ?? '', value: (m[3] ?? '').trim() }));
const documented = new Set(exampleLines.map((l) => l.name));

describe('the env scanner', () => {
  it('finds every form of env read', () => {
    const source = `
      const a = process.env.ALPHA; const b = process.env['BETA'];
      function f(env: NodeJS.ProcessEnv) { return env.GAMMA ?? env["DELTA"]; }
      const { EPSILON, ZETA: z, ETA = '1' } = process.env;
      const keyed = [['x', 'XRAY'], ['y', 'YANKEE']] as const;
      for (const [, p] of keyed) env[\`\${p}_API_KEY\`];
      const proxy = process.env.https_proxy;
      const notEnv = config.env.NOPE; const myenv = { NOPE2: 1 }; myenv.NOPE2;`;
    expect([...envReadsIn(source)].sort()).toEqual(
      ['ALPHA', 'BETA', 'DELTA', 'EPSILON', 'ETA', 'GAMMA', 'HTTPS_PROXY', 'XRAY_API_KEY', 'YANKEE_API_KEY', 'ZETA'].sort(),
    );
  });

  it('reads names from string literals in config modules only', () => {
    const source = `const n = int('SOME_LIMIT', raw); const k = ['OTHER_NAME'];`;
    expect([...envReadsIn(source, 'src/config.ts')].sort()).toEqual(['OTHER_NAME', 'SOME_LIMIT']);
    expect([...envReadsIn(source, 'src/routes/chat.ts')]).toEqual([]);
  });
});

describe('.env.example', () => {
  const files = sourceFiles(join(repoRoot, 'src'));
  const read = new Map<string, string[]>();
  for (const file of files) {
    for (const name of envReadsIn(readFileSync(file, 'utf8'), file.slice(repoRoot.length))) {
      read.set(name, [...(read.get(name) ?? []), file.slice(repoRoot.length)]);
    }
  }

  it('documents every variable src/ reads', () => {
    expect(read.size).toBeGreaterThan(0);
    const missing = [...read].filter(([name]) => !documented.has(name)).map(([name, where]) => `${name} (${where.join(', ')})`);
    expect(missing, 'add these to .env.example').toEqual([]);
  });

  it("documents the contract's variables", () => {
    expect(DOCUMENTED.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists each variable once', () => {
    const names = exampleLines.map((l) => l.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('leaves every key, token, password and secret blank', () => {
    const secretish = exampleLines.filter((l) => /(KEY|KEYS|TOKEN|SECRET|PASSWORD|CREDENTIALS)$/.test(l.name));
    expect(secretish.length).toBeGreaterThan(5);
    expect(secretish.filter((l) => l.value !== '').map((l) => l.name)).toEqual([]);
  });

  it('contains nothing shaped like a real credential, even in comments', () => {
    const patterns = [
      /sk-[A-Za-z0-9_-]{16,}/, // OpenAI, DeepSeek, Anthropic (sk-ant-…)
      /AIza[0-9A-Za-z_-]{20,}/, // Google API keys
      /gh[pousr]_[A-Za-z0-9]{20,}/,
      /xox[abprs]-[A-Za-z0-9-]{10,}/,
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^@\s]+@/i, // URL with user:password
      /[A-Za-z0-9+/_-]{40,}/, // long opaque token
    ];
    for (const pattern of patterns) expect(exampleText, String(pattern)).not.toMatch(pattern);
  });

  it('is a working configuration as copied: blank values fall back to the defaults', () => {
    const config = loadConfig(parseDotenv(exampleText));
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', apiKeys: [], allowNoAuth: false, databaseUrl: undefined });
    expect(config.providers.map((p) => p.id)).toEqual(['mock']);
  });
});
