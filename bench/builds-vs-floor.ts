// `node --import tsx bench/builds-vs-floor.ts --other=<built checkout> [--modes json,stream] [--connections 1,32,128]
// [--rounds 4] [--seconds 4]` (after `npm run build`): the floor, another build of the gateway and this one, loaded in
// turn window by window (the order reversed each round) per scenario, so each build's ratio to the floor and the two
// builds' ratio to each other come from the same minutes. Both gateways are configured by env alone (as an older
// build understands it) and log to Postgres; the Postgres CPU read during a gateway's window is that gateway's.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg } from './args.js';
import { caseNamed } from './cases.js';
import { runLoad } from './load.js';
import { median, pairSide, type PairSide } from './paired.js';
import { readCpuMs, readCpuMsByComm, startScratchBench, stopAll } from './processes.js';
import type { Mode } from './report.js';
import { startTarget, type Started, type TargetName } from './targets.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

interface Side {
  tag: 'floor' | 'other' | 'this';
  target: Started;
  name: TargetName;
}

interface Window {
  rps: number;
  cpuMs: number;
  dbMs: number;
}

async function window(side: Side, load: PairSide, connections: number, seconds: number): Promise<Window> {
  const pid = side.target.proc.pid!;
  const [cpu0, db0] = [readCpuMs(pid), readCpuMsByComm('postgres')];
  const result = await runLoad(load.ep, load.body, connections, seconds);
  if (result.errors + result.non2xx > 0) throw new Error(`${side.tag}: ${result.errors} errors, ${result.non2xx} non-2xx`);
  return { rps: result.rps, cpuMs: (readCpuMs(pid) - cpu0) / result.ok, dbMs: (readCpuMsByComm('postgres') - db0) / result.ok };
}

async function main(): Promise<void> {
  const other = resolve(arg('other'));
  const modes = arg('modes', 'json,stream').split(',') as Mode[];
  const connectionCounts = arg('connections', '1,32,128').split(',').map(Number);
  const rounds = Number(arg('rounds', '4'));
  const seconds = Number(arg('seconds', '4'));
  const { logDir, upstreamOrigin } = await startScratchBench(ROOT, 'builds-logs');
  const sides: Side[] = [];
  for (const [tag, root, name] of [['floor', ROOT, 'floor'], ['other', other, 'gateway-pg'], ['this', ROOT, 'gateway-pg']] as const) {
    const target = await startTarget(name, { root, logDir: join(logDir, tag), upstreamOrigin, dbName: `llm_gateway_builds_${tag}`, plain: true });
    sides.push({ tag, target, name });
  }
  console.log(`floor, ${other} (other) and this build, ${rounds} rounds of ${seconds} s per scenario; medians`);
  console.log('| scenario | floor req/s | other / floor | this / floor | this / other | gateway CPU ms/req other, this | Postgres CPU ms/req other, this |');
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const mode of modes) {
    for (const connections of connectionCounts) {
      const loads = sides.map((s) => {
        const endpoint = caseNamed('chat').endpoint(s.name, s.target.reach);
        if (typeof endpoint === 'string') throw new Error(endpoint);
        return pairSide(s.tag, endpoint, mode, s.target.proc.pid);
      });
      for (const [i, s] of sides.entries()) await runLoad(loads[i]!.ep, loads[i]!.body, connections, 1);
      const windows: Window[][] = sides.map(() => []);
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
        for (const i of order) windows[i]!.push(await window(sides[i]!, loads[i]!, connections, seconds));
      }
      const [floor, old, now] = windows as [Window[], Window[], Window[]];
      const ratio = (a: Window[], b: Window[]) => median(a.map((w, i) => w.rps / b[i]!.rps)).toFixed(2);
      const ms = (w: Window[], key: 'cpuMs' | 'dbMs') => median(w.map((x) => x[key])).toFixed(3);
      console.log(
        `| ${mode} c${connections} | ${median(floor.map((w) => w.rps)).toFixed(0)} | ${ratio(old, floor)} | ${ratio(now, floor)} | ${ratio(now, old)} | ${ms(old, 'cpuMs')}, ${ms(now, 'cpuMs')} | ${ms(old, 'dbMs')}, ${ms(now, 'dbMs')} |`,
      );
    }
  }
  for (const s of sides) await s.target.stop();
  await stopAll();
}

await main();
