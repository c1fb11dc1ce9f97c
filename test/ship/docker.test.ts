// The Dockerfile: structure, health checks (its own and compose's gateway probe), and that it builds the way CI does.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateway } from './compose-file.js';
import {
  installAndBuild,
  parseDockerfile,
  readRepoFile,
  repoRoot,
  runCommands,
  simpleCommands,
  type Stage,
} from './ship-helpers.js';

const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const buildStage = dockerfile[0] as Stage;
const runtime = dockerfile.at(-1) as Stage;
const ciCommands = simpleCommands(readRepoFile('.ci/run'));

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
