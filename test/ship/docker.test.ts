// The Dockerfile and docker-compose.yml: structure, health checks, and that the image builds the way CI does.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { assertSafeBind, loadConfig } from '../../src/config.js';
import {
  composeEnvironment,
  durationMs,
  installAndBuild,
  interpolate,
  parseDockerfile,
  readRepoFile,
  repoRoot,
  runCommands,
  simpleCommands,
  type Stage,
} from './ship-helpers.js';

interface Healthcheck {
  test: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}
interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  ports?: string[];
  env_file?: unknown;
  environment?: unknown;
  volumes?: string[];
  depends_on?: Record<string, { condition?: string; required?: boolean }>;
  extra_hosts?: string[] | Record<string, string>;
  healthcheck?: Healthcheck;
  restart?: string;
  stop_grace_period?: string;
  networks?: Record<string, { aliases?: string[] } | null>;
  deploy?: { resources?: { reservations?: { devices?: { driver?: string; count?: unknown; capabilities?: string[] }[] } } };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = readRepoFile('docker-compose.yml');
// Compose honours YAML merge keys (<<: *anchor); the yaml package needs them switched on.
const compose = parseYaml(composeText, { merge: true }) as ComposeFile;
const services = compose.services;
const gateway = services.gateway as Service;

const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const buildStage = dockerfile[0] as Stage;
const runtime = dockerfile.at(-1) as Stage;
const ciCommands = simpleCommands(readRepoFile('.ci/run'));

const healthTest = (s: Service | undefined) => {
  const test = s?.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
};
const srcFiles = () =>
  (readdirSync(join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => `src/${f}`);
/** Runs a `node -e` health probe (async: the fake server must keep answering) → its exit code. */
const probe = (code: string, env: Record<string, string> = {}) =>
  new Promise<number>((resolve) =>
    execFile(process.execPath, ['-e', code], { env: { ...process.env, ...env }, timeout: 10_000 }, (err) =>
      resolve(err ? Number((err as { code?: unknown }).code ?? 1) : 0),
    ),
  );
async function withHealthServer(status: number, fn: (port: number) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => res.writeHead(req.url === '/health' ? status : 404).end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
const args = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Dockerfile', () => {
  it('is multi-stage on Node 24 slim', () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile) expect(stage.image).toMatch(/^node:24(\.\d+)*-slim$/);
    expect(buildStage.name).toBeTruthy();
  });

  it('builds with exactly the install and build commands CI runs', () => {
    const ci = installAndBuild(ciCommands);
    expect(ci).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b/), expect.stringMatching(/^npm run build\b/)]));
    expect(installAndBuild(runCommands(buildStage).flatMap(simpleCommands))).toEqual(ci);
  });

  it('ships production dependencies only, installed with the same npm ci flags plus --omit=dev', () => {
    const ciInstall = installAndBuild(ciCommands).find((c) => c.startsWith('npm ci')) ?? '';
    const runtimeInstalls = runCommands(runtime)
      .flatMap(simpleCommands)
      .filter((c) => c.startsWith('npm ci'));
    expect(runtimeInstalls).toHaveLength(1);
    const flags = (cmd: string) => new Set(cmd.split(' ').slice(2));
    expect(flags(runtimeInstalls[0] ?? '')).toEqual(new Set([...flags(ciInstall), '--omit=dev']));
    // dev dependencies must not arrive by copying the build stage's node_modules
    expect(args(runtime, 'COPY').some((a) => a.includes('node_modules'))).toBe(false);
  });

  it('copies the compiled app from the build stage and the migrations', () => {
    const copies = args(runtime, 'COPY');
    expect(copies).toContainEqual(expect.stringMatching(new RegExp(`^--from=${buildStage.name} /app/dist \\S*dist/?$`)));
    expect(copies).toContainEqual(expect.stringMatching(/^drizzle \S*drizzle\/?$/));
  });

  it('runs what `npm start` runs, from the build output path', () => {
    const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    const buildConfig = JSON.parse(readRepoFile('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(args(runtime, 'CMD')).toEqual(['["node", "dist/main.js"]']);
    expect(pkg.scripts.start).toBe('node dist/main.js');
    expect(buildConfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
  });

  it('has every package src/ loads at run time among the production dependencies it installs', () => {
    const pkg = JSON.parse(readRepoFile('package.json')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const missing: string[] = [];
    for (const file of srcFiles()) {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      // `import type` / `export type` statements vanish at compile time; everything else is loaded.
      const specifiers = [
        ...[...text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/g)].map((m) => m[1]),
        ...[...text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)].map((m) => m[1]),
        ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]),
      ];
      for (const spec of specifiers) {
        if (!spec || spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
        if (!(name in pkg.dependencies)) missing.push(`${name} (${file})`);
      }
    }
    expect(missing, 'move these to dependencies: the image installs with --omit=dev').toEqual([]);
  });

  it('resolves files that src/ finds next to itself (migrations) inside what the image copies', () => {
    const workdir = args(runtime, 'WORKDIR').at(-1) ?? '/';
    // COPY a b dir/ → dir/a, dir/b; COPY a dest → dest
    const copied = args(runtime, 'COPY').flatMap((a) => {
      const words = a.split(/\s+/).filter((w) => !w.startsWith('--'));
      const dest = words.pop() ?? '';
      const intoDir = dest.endsWith('/') || words.length > 1;
      return words.map((src) => posix.resolve(workdir, intoDir ? posix.join(dest, posix.basename(src)) : dest));
    });
    const relativeReads = srcFiles().flatMap((file) =>
      [...readFileSync(join(repoRoot, file), 'utf8').matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)].map(
        (m) => ({ file, target: m[1] ?? '' }),
      ),
    );
    for (const { file, target } of relativeReads) {
      // src/a/b.ts runs as <workdir>/dist/a/b.js
      const compiledDir = posix.join(workdir, 'dist', posix.dirname(file.replace(/^src\//, '')));
      const resolved = posix.resolve(compiledDir, target);
      const inside = copied.some((c) => resolved === c || resolved.startsWith(`${c}/`));
      expect(inside, `${file}: ${target} → ${resolved}, image copies ${copied.join(', ')}`).toBe(true);
    }
  });

  it('runs as a non-root user', () => {
    const users = args(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('listens on all interfaces at 8080 and health-checks /health with node (slim has no curl)', () => {
    const env = args(runtime, 'ENV').join(' ');
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/);
    expect(env).toMatch(/\bPORT=8080\b/);
    expect(args(runtime, 'EXPOSE')).toEqual(['8080']);
    const health = args(runtime, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]).toMatch(/CMD \["node", "-e", /);
    expect(health[0]).toContain("'http://127.0.0.1:'+(process.env.PORT||8080)+'/health'");
    expect(health[0]).not.toMatch(/curl|wget/);
  });

  it('health probes pass on a 200 from /health and fail on an error status or no server', async () => {
    const dockerCode = (JSON.parse(/CMD (\[.*\])$/.exec(args(runtime, 'HEALTHCHECK')[0] ?? '')?.[1] ?? '[]') as string[])[2] ?? '';
    const composeTest = gateway.healthcheck?.test;
    const composeCode = (Array.isArray(composeTest) ? composeTest[3] : '') ?? '';
    expect(dockerCode).not.toBe('');
    expect(composeCode).toContain(':8080/');
    // compose's probe has the port fixed at 8080; point it at the fake server's port instead
    const atPort = (port: number) => composeCode.replace(':8080/', `:${port}/`);
    await withHealthServer(200, async (port) => {
      expect(await Promise.all([probe(dockerCode, { PORT: String(port) }), probe(atPort(port))])).toEqual([0, 0]);
    });
    await withHealthServer(503, async (port) => {
      expect(await Promise.all([probe(dockerCode, { PORT: String(port) }), probe(atPort(port))])).toEqual([1, 1]);
    });
    let closedPort = 0;
    await withHealthServer(200, async (port) => {
      closedPort = port;
    });
    expect(await probe(dockerCode, { PORT: String(closedPort) })).toBe(1);
  });

  it('keeps node_modules, build output and secrets out of the build context', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.env', '.git']));
    expect(ignored).toContain('!.env.example');
  });
});

describe('docker-compose.yml', () => {
  it('defines the gateway, postgres and the profile-gated ollama services', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway', 'ollama', 'ollama-cpu', 'postgres']);
    expect(gateway.build).toBe('.');
    expect(gateway.profiles).toBeUndefined();
    expect(services.postgres?.profiles).toBeUndefined();
    expect(services.ollama?.profiles).toEqual(['local-llm']);
    expect(services['ollama-cpu']?.profiles).toEqual(['local-llm-cpu']);
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

  it('starts out of the box: the compose defaults over a copied .env.example pass the bind-safety rule', () => {
    const dotenv = parseDotenv(readRepoFile('.env.example'));
    const config = loadConfig({ ...dotenv, ...composeEnvironment(gateway.environment) });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8080, apiKeys: [], allowNoAuth: true });
    expect(config.databaseUrl).toMatch(/@postgres:5432\/llm_gateway$/);
    expect(() => assertSafeBind(config)).not.toThrow();
    // and .env can still forbid an open gateway
    const strict = loadConfig({ ...dotenv, ...composeEnvironment(gateway.environment, { GATEWAY_ALLOW_NO_AUTH: 'false' }) });
    expect(() => assertSafeBind(strict)).toThrow(/GATEWAY_API_KEYS/);
  });

  it('needs no variable to be set: every ${VAR} has a default', () => {
    const uncommented = composeText
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n');
    expect(uncommented.match(/\$\{\w+(:\?[^}]*)?\}/g) ?? []).toEqual([]);
  });

  it('waits for a healthy postgres, and for ollama only when its profile runs', () => {
    expect(gateway.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    for (const name of ['ollama', 'ollama-cpu']) {
      expect(gateway.depends_on?.[name]).toEqual({ condition: 'service_healthy', required: false });
    }
    for (const [name, service] of Object.entries(services)) {
      for (const dep of Object.keys(service.depends_on ?? {})) expect(services[dep], `${name} → ${dep}`).toBeDefined();
    }
  });

  it('lets the gateway reach the Docker host', () => {
    const hosts = gateway.extra_hosts;
    const entries = Array.isArray(hosts) ? hosts : Object.entries(hosts ?? {}).map(([h, ip]) => `${h}:${ip}`);
    expect(entries.map((e) => e.replace('=', ':'))).toContain('host.docker.internal:host-gateway');
  });

  it('health-checks every service with a tool its image has', () => {
    const gatewayHealth = healthTest(gateway);
    expect(gateway.healthcheck?.test[0]).toBe('CMD');
    expect(gatewayHealth).toMatch(/^CMD node -e /);
    expect(gatewayHealth).toContain('http://127.0.0.1:8080/health');
    expect(healthTest(services.postgres)).toMatch(/pg_isready -U postgres -d llm_gateway/);
    expect(healthTest(services.ollama)).toBe('CMD ollama list');
    expect(healthTest(services['ollama-cpu'])).toBe('CMD ollama list');
    for (const [name, service] of Object.entries(services)) {
      expect(healthTest(service), name).not.toMatch(/curl|wget/);
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

  it('restarts services and gives the gateway longer to stop than its own shutdown grace', () => {
    for (const [name, service] of Object.entries(services)) expect(service.restart, name).toBe('unless-stopped');
    const grace = loadConfig({}).shutdownGraceMs;
    expect(durationMs(gateway.stop_grace_period ?? '')).toBeGreaterThan(grace);
  });
});
