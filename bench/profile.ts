// `npm run bench:profile [-- --case chat|responses-bridge|… ] [--mode json|stream] [--connections 32] [--seconds 8]`:
// runs llm-gateway (Postgres log store) under `node --cpu-prof` against the fake upstream, under autocannon load, and prints where its CPU went.
// The .cpuprofile stays in bench/.tmp/profile/ for a flame graph (Chrome DevTools, speedscope).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseNamed } from './cases.js';
import { forMode } from './checks.js';
import { createVirtualKey, governedEnv } from './governance.js';
import { runLoad } from './load.js';
import { installCleanup, startFakeUpstream, stopProcess } from './processes.js';
import { summarise } from './profile-summary.js';
import { startTarget } from './targets.js';
import { arg } from './args.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));


const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const mode = arg('mode', 'json');
  if (mode !== 'json' && mode !== 'stream') throw new Error('--mode is json or stream');
  const connections = Number(arg('connections', '32'));
  const seconds = Number(arg('seconds', '8'));
  installCleanup();
  const tmp = join(ROOT, 'bench', '.tmp');
  const profileDir = join(tmp, 'profile');
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(join(tmp, 'logs'), { recursive: true });

  const { proc: upstream, origin: upstreamOrigin } = await startFakeUpstream(ROOT, join(tmp, 'logs'));

  // Profiles the gateway process only; its warm-up is in the profile too, as a small share.
  // Kept with whatever node flags the caller asked for (e.g. a heap size to profile under).
  process.env.BENCH_GATEWAY_NODE_ARGS = `${process.env.BENCH_GATEWAY_NODE_ARGS ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`;
  const kase = caseNamed(arg('case', 'chat'));
  const gov = kase.governed ? governedEnv() : undefined;
  // --root=<built checkout>: profile that build instead; --plain: configured by env alone (as an older build is).
  const root = resolve(arg('root', ROOT));
  const plain = arg('plain', 'false') === 'true';
  const target = await startTarget('gateway-pg', { root, logDir: join(tmp, 'logs'), upstreamOrigin, plain }, gov);
  const reach = gov ? { ...target.reach, virtualKey: await createVirtualKey(target.reach.origin, gov.adminKey) } : target.reach;
  const anyMode = kase.endpoint('gateway-pg', reach);
  if (typeof anyMode === 'string') throw new Error(`${kase.name}: ${anyMode}`);
  const endpoint = forMode(anyMode, mode === 'stream');
  const body = endpoint.dialect.body(endpoint.model, mode === 'stream');
  await runLoad(endpoint, body, connections, 2);
  const load = await runLoad(endpoint, body, connections, seconds);
  await target.stop();
  await stopProcess(upstream);

  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${profileDir}`);
  const summary = summarise(join(profileDir, file));
  console.log(`llm-gateway ${kase.name} ${mode} c${connections}: ${Math.round(load.rps)} req/s under the profiler; ${Math.round(summary.busyMs)} ms busy`);
  console.log('\n| where the CPU went (self time, % of busy) | share |\n|---|--:|');
  for (const c of summary.categories) console.log(`| ${c.name} | ${pct(c.share)} |`);
  console.log('\n| function (self time) | share |\n|---|--:|');
  for (const f of summary.functions) console.log(`| ${f.name} | ${pct(f.share)} |`);
  console.log(`\nprofile: ${join(profileDir, file)}`);
}

main().catch((err: Error) => {
  console.error(`bench:profile: ${err.message}`);
  process.exitCode = 1;
});
