// `node --import tsx bench/ab-latency.ts --other=<built checkout> [--mode json|stream] [--rounds 20] [--per 200]`:
// one-connection latency of this build's gateway (Postgres store) against another build's and the floor, in
// interleaved blocks of sequential requests so that whatever else loads the machine weighs on all three alike.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { caseNamed } from './cases.js';
import { readCpuMs, startScratchBench, stopAll } from './processes.js';
import { percentile } from './report.js';
import { type Started, startTarget, type TargetName } from './targets.js';
import { arg } from './args.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));


async function main(): Promise<void> {
  const other = resolve(arg('other'));
  const mode = arg('mode', 'json');
  const rounds = Number(arg('rounds', '20'));
  const per = Number(arg('per', '200'));
  const { logDir, upstreamOrigin } = await startScratchBench(ROOT, 'ab-logs');
  const start = (name: TargetName, root: string, tag: string) =>
    startTarget(name, { root, logDir: join(logDir, tag), upstreamOrigin, dbName: `llm_gateway_ab_${tag}`, plain: true });
  const targets: [string, Started][] = [
    ['floor', await start('floor', ROOT, 'floor')],
    ['this build', await start('gateway-pg', ROOT, 'this')],
    [`other (${other})`, await start('gateway-pg', other, 'other')],
  ];
  const chat = caseNamed('chat');
  const runs = targets.map(([label, t]) => {
    const ep = chat.endpoint(label === 'floor' ? 'floor' : 'gateway-pg', t.reach);
    if (typeof ep === 'string') throw new Error(ep);
    const url = new URL(ep.url);
    const body = ep.dialect.body(ep.model, mode === 'stream');
    return { label, t, pool: new Pool(url.origin, { connections: 1 }), path: url.pathname, headers: { 'content-type': 'application/json', ...ep.headers }, body, times: [] as number[], cpuMs: 0 };
  });
  for (let r = 0; r < rounds + 1; r++) {
    // A rotating order, so no target always runs right after the same one; round 0 is the warm-up.
    for (let k = 0; k < runs.length; k++) {
      const run = runs[(r + k) % runs.length]!;
      const cpu0 = readCpuMs(run.t.proc.pid);
      for (let i = 0; i < per; i++) {
        const t0 = performance.now();
        const res = await run.pool.request({ method: 'POST', path: run.path, headers: run.headers, body: run.body });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`${run.label}: HTTP ${res.statusCode}`);
        if (r > 0) run.times.push(performance.now() - t0);
      }
      if (r > 0) run.cpuMs += readCpuMs(run.t.proc.pid) - cpu0;
    }
  }
  const floorP50 = percentile([...runs[0]!.times].sort((a, b) => a - b), 50);
  console.log(`\n| ${mode} c1, ${rounds} × ${per} sequential requests each | p50 ms | p90 ms | p99 ms | +p50 vs floor | CPU ms/req |\n|---|--:|--:|--:|--:|--:|`);
  for (const run of runs) {
    const s = [...run.times].sort((a, b) => a - b);
    const p50 = percentile(s, 50);
    console.log(`| ${run.label} | ${p50.toFixed(3)} | ${percentile(s, 90).toFixed(3)} | ${percentile(s, 99).toFixed(3)} | ${run.label === 'floor' ? '–' : `+${(p50 - floorP50).toFixed(3)}`} | ${(run.cpuMs / run.times.length).toFixed(3)} |`);
  }
  await Promise.all(runs.map((run) => run.pool.close()));
  for (const [, t] of targets) await t.stop();
}

main()
  .then(() => stopAll())
  .catch(async (err: Error) => {
    console.error(`bench/ab-latency: ${err.stack ?? err.message}`);
    await stopAll();
    process.exitCode = 1;
  });
