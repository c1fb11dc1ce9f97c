// docker-compose.yml: services, profiles, wiring and start order, so `--profile local-llm up` ends with a ready model.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { afterAll, describe, expect, it } from 'vitest';
import { assertSafeBind, loadConfig } from '../../src/config.js';
import { compose, composeText, gateway, healthTest, isOneShot, services, type Service } from './compose-file.js';
import { composeEnvironment, durationMs, interpolate, readRepoFile } from './ship-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'compose-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The gateway's env as compose builds it, with its `configs:` files written out where GATEWAY_CONFIG can read them. */
function gatewayEnv(vars: Record<string, string> = {}): Record<string, string> {
  const env = composeEnvironment(gateway.environment, vars);
  for (const [i, mount] of (gateway.configs ?? []).entries()) {
    if (mount.target !== env.GATEWAY_CONFIG) continue;
    const file = join(scratch, `config-${i}.yaml`);
    writeFileSync(file, interpolate(compose.configs?.[mount.source]?.content ?? '', vars));
    env.GATEWAY_CONFIG = file;
  }
  return env;
}
const command = (s: Service | undefined, vars: Record<string, string> = {}) => [...(s?.entrypoint ?? []), ...(s?.command ?? [])].map((w) => interpolate(w, vars));
const LONG_RUNNING = ['gateway', 'postgres', 'redis', 'ollama', 'ollama-cpu', 'llamacpp'];

describe('docker-compose.yml', () => {
  it('defines the always-on services and the profile-gated local model servers with their init services', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['gateway', 'llamacpp', 'llamacpp-download', 'ollama', 'ollama-cpu', 'ollama-cpu-pull', 'ollama-pull', 'postgres', 'redis'].sort(),
    );
    expect(gateway.build).toBe('.');
    for (const name of ['gateway', 'postgres', 'redis']) expect(services[name]?.profiles, name).toBeUndefined();
    expect(services.ollama?.profiles).toEqual(['local-llm']);
    expect(services['ollama-pull']?.profiles).toEqual(['local-llm']);
    expect(services['ollama-cpu']?.profiles).toEqual(['local-llm-cpu']);
    expect(services['ollama-cpu-pull']?.profiles).toEqual(['local-llm-cpu']);
    expect(services.llamacpp?.profiles).toEqual(['local-llm-llamacpp']);
    expect(services['llamacpp-download']?.profiles).toEqual(['local-llm-llamacpp']);
  });

  it('publishes 8080:8080, on the host loopback unless GATEWAY_PUBLISH_ADDR says otherwise', () => {
    expect(gateway.ports).toHaveLength(1);
    const port = gateway.ports?.[0] ?? '';
    expect(interpolate(port)).toBe('127.0.0.1:8080:8080');
    expect(interpolate(port, { GATEWAY_PUBLISH_ADDR: '0.0.0.0' })).toBe('0.0.0.0:8080:8080');
  });

  it('reads .env when present without requiring it', () => {
    expect(gateway.env_file).toEqual([{ path: '.env', required: false }]);
  });

  it('points the gateway at the postgres service with matching credentials', () => {
    const env = composeEnvironment(gateway.environment);
    const pg = composeEnvironment(services.postgres?.environment);
    const url = new URL(env.DATABASE_URL ?? '');
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe('5432');
    expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    expect(pg.POSTGRES_DB).toBe('llm_gateway');
    expect(decodeURIComponent(url.username)).toBe(pg.POSTGRES_USER ?? 'postgres');
    expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
    expect(env.HOST).toBe('0.0.0.0');
  });

  it('starts out of the box: the compose defaults over a copied .env.example pass the bind-safety rule, mock included', () => {
    const dotenv = parseDotenv(readRepoFile('.env.example'));
    const config = loadConfig({ ...dotenv, ...gatewayEnv() });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8080, apiKeys: [], allowNoAuth: true });
    expect(config.databaseUrl).toMatch(/@postgres:5432\/llm_gateway$/);
    expect(() => assertSafeBind(config)).not.toThrow();
    // Both local servers are wired (their profiles start them); the mock keeps answering without either.
    expect(config.providers.map((p) => p.id).sort()).toEqual(['llamacpp', 'mock', 'ollama']);
    // and .env can still forbid an open gateway
    const strict = loadConfig({ ...dotenv, ...gatewayEnv({ GATEWAY_ALLOW_NO_AUTH: 'false' }) });
    expect(() => assertSafeBind(strict)).toThrow(/GATEWAY_API_KEYS/);
  });

  it('needs no variable to be set: every ${VAR} has a default', () => {
    const uncommented = composeText
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n');
    expect(uncommented.match(/\$\{\w+(:\?[^}]*)?\}/g) ?? []).toEqual([]);
  });

  it('waits for healthy postgres and redis, for the model pulls and llama.cpp only when their profile runs', () => {
    expect(gateway.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      'ollama-pull': { condition: 'service_completed_successfully', required: false },
      'ollama-cpu-pull': { condition: 'service_completed_successfully', required: false },
      llamacpp: { condition: 'service_healthy', required: false },
    });
    expect(services['ollama-pull']?.depends_on).toEqual({ ollama: { condition: 'service_healthy' } });
    expect(services['ollama-cpu-pull']?.depends_on).toEqual({ 'ollama-cpu': { condition: 'service_healthy' } });
    expect(services.llamacpp?.depends_on).toEqual({ 'llamacpp-download': { condition: 'service_completed_successfully' } });
    for (const [name, service] of Object.entries(services)) {
      for (const dep of Object.keys(service.depends_on ?? {})) {
        expect(services[dep], `${name} → ${dep}`).toBeDefined();
        // a dependency outside every profile this service runs in would be started, or be missing, on its own
        if (service.profiles) expect(services[dep]?.profiles ?? service.profiles, `${name} → ${dep}`).toEqual(service.profiles);
      }
    }
  });

  it('pulls the model the gateway routes to, from the ollama service, before the gateway starts', () => {
    for (const name of ['ollama-pull', 'ollama-cpu-pull']) {
      const pull = services[name];
      expect(command(pull), name).toEqual(['ollama', 'pull', 'llama3.2']);
      expect(command(pull, { OLLAMA_MODEL: 'qwen2.5:0.5b' }), name).toEqual(['ollama', 'pull', 'qwen2.5:0.5b']);
      expect(pull?.image).toBe(services.ollama?.image);
      expect(composeEnvironment(pull?.environment).OLLAMA_HOST).toBe('http://ollama:11434');
    }
    const config = loadConfig(gatewayEnv({ OLLAMA_MODEL: 'qwen2.5:0.5b' }));
    expect(config.providers.find((p) => p.id === 'ollama')).toMatchObject({ baseUrl: 'http://ollama:11434', models: ['qwen2.5:0.5b'] });
    // .env may still point the gateway at an Ollama on the host instead
    expect(gatewayEnv({ OLLAMA_BASE_URL: 'http://host.docker.internal:11434' }).OLLAMA_BASE_URL).toBe('http://host.docker.internal:11434');
  });

  it('serves llama.cpp from the GGUF the download leaves in the shared volume, the gateway pointed at it', () => {
    const server = services.llamacpp;
    const download = services['llamacpp-download'];
    expect(server?.image).toBe('ghcr.io/ggml-org/llama.cpp:server');
    expect(download?.image).toBe(server?.image);
    expect(download?.volumes).toEqual(server?.volumes);
    expect(server?.volumes).toContainEqual(expect.stringMatching(/^llamacpp-models:\/models$/));
    const args = command(server);
    expect(args.slice(args.indexOf('-m'), args.indexOf('-m') + 2)).toEqual(['-m', '/models/current.gguf']);
    expect(args.slice(args.indexOf('--port'), args.indexOf('--port') + 2)).toEqual(['--port', '8080']);
    expect(args[args.indexOf('--alias') + 1]).toBe(composeEnvironment(gateway.environment).LLAMACPP_MODEL);
    expect(healthTest(server)).toBe('CMD curl -fsS http://127.0.0.1:8080/health');
    const base = new URL(composeEnvironment(gateway.environment).LLAMACPP_BASE_URL ?? '');
    expect([base.hostname, base.port, base.pathname]).toEqual(['llamacpp', '8080', '/v1']);
    expect(composeEnvironment(download?.environment).LLAMACPP_MODEL_URL).toMatch(/^https:\/\/\S+\.gguf$/);
  });

  it('runs redis without persistence, health-checked, with the gateway pointed at it', () => {
    const redis = services.redis;
    expect(redis?.image).toMatch(/^redis:\d/);
    expect(command(redis)).toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
    expect(redis?.volumes).toBeUndefined();
    expect(redis?.ports).toBeUndefined();
    expect(healthTest(redis)).toBe('CMD redis-cli ping');
    expect(composeEnvironment(gateway.environment).REDIS_URL).toBe('redis://redis:6379');
  });

  it('lets the gateway reach the Docker host', () => {
    const hosts = gateway.extra_hosts;
    const entries = Array.isArray(hosts) ? hosts : Object.entries(hosts ?? {}).map(([h, ip]) => `${h}:${ip}`);
    expect(entries.map((e) => e.replace('=', ':'))).toContain('host.docker.internal:host-gateway');
  });

  it('health-checks every long-running service with a tool its image has', () => {
    const gatewayHealth = healthTest(gateway);
    expect(gateway.healthcheck?.test[0]).toBe('CMD');
    expect(gatewayHealth).toMatch(/^CMD node -e /);
    expect(gatewayHealth).toContain('http://127.0.0.1:8080/health');
    expect(healthTest(services.postgres)).toMatch(/pg_isready -U postgres -d llm_gateway/);
    expect(healthTest(services.ollama)).toBe('CMD ollama list');
    expect(healthTest(services['ollama-cpu'])).toBe('CMD ollama list');
    for (const [name, service] of Object.entries(services)) {
      if (isOneShot(service)) {
        expect(service.healthcheck, name).toBeUndefined();
        continue;
      }
      // only llama.cpp's server image ships curl (its own Dockerfile health-checks with it)
      if (service.image !== 'ghcr.io/ggml-org/llama.cpp:server') expect(healthTest(service), name).not.toMatch(/curl|wget/);
      for (const field of ['interval', 'timeout'] as const) {
        expect(durationMs(service.healthcheck?.[field] ?? ''), `${name}.${field}`).toBeGreaterThan(0);
      }
    }
  });

  it('keeps state in declared named volumes', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const mounts = Object.values(services).flatMap((s) => s.volumes ?? []);
    for (const mount of mounts) expect(declared).toContain(mount.split(':')[0]);
    expect(services.postgres?.volumes).toContainEqual(expect.stringMatching(/^[\w-]+:\/var\/lib\/postgresql\/data$/));
    expect(services.ollama?.volumes).toContainEqual(expect.stringMatching(/^[\w-]+:\/root\/\.ollama$/));
    // both ollama variants share one model store, so a model is pulled once
    expect(services['ollama-cpu']?.volumes).toEqual(services.ollama?.volumes);
    expect(gateway.volumes).toContainEqual(expect.stringMatching(/^[\w-]+:\/app\/data$/));
  });

  it('reserves NVIDIA GPUs for ollama, and the CPU variant answers to the same name without them', () => {
    const devices = services.ollama?.deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toContainEqual(expect.objectContaining({ driver: 'nvidia', capabilities: expect.arrayContaining(['gpu']) }));
    expect(services['ollama-cpu']?.deploy).toBeUndefined();
    expect(services['ollama-cpu']?.networks?.default?.aliases).toContain('ollama');
    expect(services.ollama?.image).toMatch(/^ollama\/ollama(:|$)/);
  });

  it('restarts long-running services, never the one-shot ones, and gives the gateway longer to stop than its grace', () => {
    expect(Object.keys(services).filter((name) => !isOneShot(services[name] as Service)).sort()).toEqual([...LONG_RUNNING].sort());
    for (const name of LONG_RUNNING) expect(services[name]?.restart, name).toBe('unless-stopped');
    const grace = loadConfig({}).shutdownGraceMs;
    expect(durationMs(gateway.stop_grace_period ?? '')).toBeGreaterThan(grace);
  });
});
