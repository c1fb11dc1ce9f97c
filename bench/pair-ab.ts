// `node --import tsx bench/pair-ab.ts --case virtual-key|messages-translated|responses-bridge [--mode json|stream]
// [--rounds 8] [--seconds 4] [--connections 32]` (after `npm run build`): one case against the case it is compared
// with in `npm run bench` (the virtual key against the static key, a translated surface against chat), on one
// gateway-pg process, in interleaved autocannon windows of alternating order. With `--other=<built checkout>`, one
// case (e.g. `--case chat`) on this build against the same case on that one (a gateway-pg process each, both
// configured by env alone, as an older build understands it). On this two-core machine, back-to-back
// scenarios minutes apart swing by ±30 %; interleaving makes whatever else loads the machine weigh on both alike, so the
// per-round ratios' median is the figure to read.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseNamed } from './cases.js';
import { createVirtualKey, governedEnv } from './governance.js';
import { median, pairSide, runPaired, type PairSide } from './paired.js';
import { startScratchBench, stopAll } from './processes.js';
import type { Mode } from './report.js';
import { startTarget } from './targets.js';
import { arg } from './args.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));


async function main(): Promise<void> {
  const subject = caseNamed(arg('case', 'virtual-key'));
  // --other=<built checkout>: the same case on that build is the baseline (one gateway-pg process each).
  const other = arg('other', '');
  if (!other && !subject.comparedWith) throw new Error(`${subject.name} is compared with nothing in npm run bench`);
  const baseline = other ? subject : caseNamed(subject.comparedWith!);
  const mode = arg('mode', 'stream');
  const rounds = Number(arg('rounds', '8'));
  const seconds = Number(arg('seconds', '4'));
  const connections = Number(arg('connections', '32'));
  const { logDir, upstreamOrigin } = await startScratchBench(ROOT, 'pair-logs');
  const gov = subject.governed ? governedEnv() : undefined;
  const startOn = async (root: string, tag: string) => {
    const target = await startTarget('gateway-pg', { root, logDir: join(logDir, tag), upstreamOrigin, ...(other ? { dbName: `llm_gateway_pair_${tag}`, plain: true } : {}) }, gov);
    const reach = { ...target.reach, ...(gov ? { virtualKey: await createVirtualKey(target.reach.origin, gov.adminKey) } : {}) };
    return { target, reach };
  };
  const here = await startOn(ROOT, 'this');
  const there = other ? await startOn(resolve(other), 'other') : here;
  const [base, test] = [
    { kase: baseline, on: there, label: other ? `${baseline.label || 'chat'} (other build)` : baseline.label || 'chat' },
    { kase: subject, on: here, label: other ? `${subject.label || 'chat'} (this build)` : subject.label || 'chat' },
  ].map(({ kase, on, label }): PairSide => {
    const endpoint = kase.endpoint('gateway-pg', on.reach);
    if (typeof endpoint === 'string') throw new Error(`${kase.name}: ${endpoint}`);
    return pairSide(label, endpoint, mode as Mode, on.target.proc.pid);
  }) as [PairSide, PairSide];
  const p = await runPaired(base, test, { target: 'gateway-pg', mode: mode as Mode, connections, rounds, seconds });
  console.log(`\n${test.label} against ${base.label}, ${mode} c${connections}, ${rounds} interleaved rounds of ${seconds} s each`);
  console.log('| side | req/s (median) | p99 ms (median) | gateway CPU ms/req (median) |\n|---|--:|--:|--:|');
  [base, test].forEach((side, i) => console.log(`| ${side.label} | ${p.rps[i]!.toFixed(0)} | ${p.p99[i]!.toFixed(2)} | ${p.cpuMsPerReq[i]!.toFixed(3)} |`));
  console.log(`req/s ratio per round: ${p.ratios.map((x) => x.toFixed(2)).join(' ')}; median ${median(p.ratios).toFixed(2)}`);
  console.log(`+p99 ms per round: ${p.addedP99.map((x) => x.toFixed(1)).join(' ')}; median ${median(p.addedP99).toFixed(2)}`);
  await here.target.stop();
  if (there !== here) await there.target.stop();
}

main()
  .then(() => stopAll())
  .catch(async (err: unknown) => {
    console.error(err);
    await stopAll();
    process.exit(1);
  });
