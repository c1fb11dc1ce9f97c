// `npm run bench [-- --quick] [--targets floor,portkey,gateway-pg,gateway-pglite]`: runs every scenario, writes results.md/.svg.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Endpoint, requestBody, verify } from './checks.js';
import { runLoad } from './load.js';
import { installCleanup, readSystemBusyMs, startFakeUpstream, stopAll, stopProcess } from './processes.js';
import { renderSvg } from './chart.js';
import { type Mode, renderMarkdown, type RunMeta, type ScenarioResult, type TargetOutcome } from './report.js';
import { runScenario, settledCount } from './scenario.js';
import { type Context, skipReason, startTarget, TARGET_NAMES, type TargetName } from './targets.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

function parseArgs(argv: string[]): { quick: boolean; targets: TargetName[]; connections: number[] } {
  const value = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    const a = argv[i] ?? '';
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
  };
  const targets = (value('--targets') ?? TARGET_NAMES.join(',')).split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of targets) if (!(TARGET_NAMES as readonly string[]).includes(t)) throw new Error(`unknown target ${t}; known: ${TARGET_NAMES.join(', ')}`);
  const connections = (value('--connections') ?? '1,32,128').split(',').map(Number);
  if (connections.some((c) => !(c > 0))) throw new Error('--connections takes positive integers, e.g. 1,32,128');
  return { quick: argv.includes('--quick'), targets: targets as TargetName[], connections };
}

/** The benchmark's own dependencies (Portkey, autocannon) live in bench/node_modules, the gateway's at the root. */
function version(pkg: string, dir = join(ROOT, 'bench')): string {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} (+ uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const durations = args.quick ? { warmupSec: 1, measureSec: 2, ttftSec: 1 } : { warmupSec: 2, measureSec: 8, ttftSec: 3 };
  installCleanup();
  const tmp = join(ROOT, 'bench', '.tmp');
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir, { recursive: true });
  const started = Date.now();
  const busy0 = readSystemBusyMs();
  await new Promise((r) => setTimeout(r, 1000));
  const backgroundCpuPct = (readSystemBusyMs() - busy0) / 10;
  if (backgroundCpuPct > 20) console.warn(`bench: warning: the machine is busy before the run (${backgroundCpuPct.toFixed(0)}% of a core used by other processes); results will be noisy`);

  const { proc: upstream, origin: upstreamOrigin } = await startFakeUpstream(ROOT, logDir);

  // The upstream must not be the bottleneck: measure it alone at the highest concurrency first.
  const cMax = Math.max(...args.connections);
  const direct: Endpoint = { url: `${upstreamOrigin}/v1/chat/completions`, headers: {}, model: 'bench-model' };
  const alone = { json: 0, stream: 0, connections: cMax };
  for (const mode of ['json', 'stream'] as const) {
    await runLoad(direct, requestBody('bench-model', mode === 'stream'), cMax, 1);
    alone[mode] = (await runLoad(direct, requestBody('bench-model', mode === 'stream'), cMax, args.quick ? 2 : 3)).rps;
  }
  console.log(`fake upstream alone (c${cMax}): ${Math.round(alone.json)} req/s JSON, ${Math.round(alone.stream)} req/s stream`);

  const ctx: Context = { root: ROOT, logDir, upstreamOrigin };
  const results: ScenarioResult[] = [];
  const outcomes: TargetOutcome[] = [];
  for (const name of args.targets) {
    const skip = skipReason(name, ctx);
    if (skip) {
      console.log(`[${name}] SKIPPED: ${skip}`);
      outcomes.push({ target: name, status: 'skipped', message: skip });
      continue;
    }
    const outcome: TargetOutcome = { target: name, status: 'ok' };
    outcomes.push(outcome);
    let target: Awaited<ReturnType<typeof startTarget>> | undefined;
    let requests = 0;
    try {
      target = await startTarget(name, ctx);
      const { endpoint } = target;
      for (const stream of [false, true]) {
        requests++;
        await verify(endpoint, stream).catch((err: Error) => {
          throw new Error(`${stream ? 'stream' : 'JSON'} check failed: ${err.message}`);
        });
      }
      // Let the check requests' log rows land so they are not counted in the first scenario.
      if (target.countRows) await settledCount(target.countRows, requests);
      for (const mode of ['json', 'stream'] as Mode[]) {
        for (const c of args.connections) {
          const { result, made } = await runScenario(name, target, upstream, mode, c, durations);
          results.push(result);
          requests += made;
          if (target.proc.hasExited())
            throw new Error(`exited during ${mode} c${c} (${String(await target.proc.exited)}); see ${target.proc.logFile}`);
        }
      }
    } catch (err) {
      outcome.status = 'failed';
      outcome.message = (err as Error).message;
      console.error(`[${name}] FAILED: ${outcome.message}`);
    } finally {
      const rows = await target?.stop().catch((err: Error) => {
        console.error(`[${name}] could not count log rows: ${err.message}`);
        return undefined;
      });
      if (rows !== undefined) outcome.logTotal = { rows, requests };
    }
  }
  await stopProcess(upstream);

  const meta: RunMeta = {
    date: new Date().toISOString(),
    quick: args.quick,
    machine: {
      nproc: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? '?',
      memGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      kernel: os.release(),
    },
    commit: gitCommit(),
    versions: { 'llm-gateway': version('..', ROOT), '@portkey-ai/gateway': version('@portkey-ai/gateway'), autocannon: version('autocannon'), undici: version('undici', ROOT) },
    durations,
    upstreamAlone: alone,
    backgroundCpuPct,
  };
  const md = renderMarkdown(meta, results, outcomes);
  // Quick runs go to the git-ignored bench/.tmp so smoke numbers are never committed as results.
  const outDir = args.quick ? tmp : join(ROOT, 'bench');
  const base = args.quick ? 'results-quick' : 'results';
  writeFileSync(join(outDir, `${base}.md`), md.replace('](results.svg)', `](${base}.svg)`));
  writeFileSync(join(outDir, `${base}.svg`), renderSvg(results, `${meta.machine.nproc} × ${meta.machine.cpuModel}, node ${meta.machine.node}, ${meta.date.slice(0, 10)}`));
  console.log(`\n${md}\nwrote ${join(outDir, `${base}.md`)} and .svg in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

main()
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  })
  .catch(async (err: Error) => {
    console.error(`bench: ${err.stack ?? err.message}`);
    await stopAll();
    process.exit(1);
  });
