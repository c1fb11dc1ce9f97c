// Interleaved A/B windows: a case and its baseline loaded in alternating autocannon windows (the order flipped each
// round), so that whatever else loads this two-core machine weighs on both alike. Scenarios minutes apart swing by
// ±30 % here, more than the goals they are read against; the median of the per-round ratios does not.
import { forMode, type Endpoint } from './checks.js';
import { runLoad } from './load.js';
import { readCpuMs } from './processes.js';
import { percentile, type Goal, type Mode } from './report.js';

export interface PairSide {
  label: string;
  ep: Endpoint;
  body: string;
  /** The process whose CPU is read per request. */
  pid: number | undefined;
}

export interface PairedResult {
  target: string;
  mode: Mode;
  connections: number;
  rounds: number;
  seconds: number;
  base: string;
  test: string;
  /** Per round: test req/s ÷ base req/s, and test p99 − base p99 (ms). */
  ratios: number[];
  addedP99: number[];
  rps: [number, number];
  p99: [number, number];
  cpuMsPerReq: [number, number];
  goal?: Goal;
  /** Requests sent, warm-ups included (each is a log row). */
  sent: number;
}

/** A side for `mode`: the endpoint switched to JSON or streaming, with its request body. */
export function pairSide(label: string, endpoint: Endpoint, mode: Mode, pid: number | undefined): PairSide {
  const ep = forMode(endpoint, mode === 'stream');
  return { label, ep, body: ep.dialect.body(ep.model, mode === 'stream'), pid };
}

export const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

/** Runs `rounds` rounds of one window per side after a 2 s warm-up each; medians of each side and of the ratios. */
export async function runPaired(base: PairSide, test: PairSide, opts: { target: string; mode: Mode; connections: number; rounds: number; seconds: number; goal?: Goal }): Promise<PairedResult> {
  const sides = [base, test].map((side) => ({ side, rps: [] as number[], p99: [] as number[], cpu: [] as number[] }));
  let sent = 0;
  for (const s of sides) sent += (await runLoad(s.side.ep, s.side.body, opts.connections, 2)).sent;
  for (let r = 0; r < opts.rounds; r++)
    for (let k = 0; k < sides.length; k++) {
      const s = sides[(r + k) % sides.length]!;
      const cpu0 = s.side.pid === undefined ? 0 : readCpuMs(s.side.pid);
      const load = await runLoad(s.side.ep, s.side.body, opts.connections, opts.seconds);
      sent += load.sent;
      if (load.errors + load.non2xx > 0) throw new Error(`${s.side.label}: ${load.errors} errors, ${load.non2xx} non-2xx`);
      s.rps.push(load.rps);
      s.p99.push(load.p99);
      s.cpu.push(s.side.pid === undefined ? Number.NaN : (readCpuMs(s.side.pid) - cpu0) / load.completed);
    }
  const [b, t] = sides as [(typeof sides)[0], (typeof sides)[0]];
  return {
    target: opts.target,
    mode: opts.mode,
    connections: opts.connections,
    rounds: opts.rounds,
    seconds: opts.seconds,
    base: base.label,
    test: test.label,
    ratios: t.rps.map((rps, i) => rps / b.rps[i]!),
    addedP99: t.p99.map((p99, i) => p99 - b.p99[i]!),
    rps: [median(b.rps), median(t.rps)],
    p99: [median(b.p99), median(t.p99)],
    cpuMsPerReq: [median(b.cpu), median(t.cpu)],
    goal: opts.goal,
    sent,
  };
}

/** Whether the medians meet the goal (undefined: the goal states nothing to check). */
export function pairedMet(p: PairedResult): boolean | undefined {
  const g = p.goal;
  if (!g || (g.minRatio === undefined && g.maxAddedP99Ms === undefined)) return undefined;
  return (g.minRatio === undefined || median(p.ratios) >= g.minRatio) && (g.maxAddedP99Ms === undefined || median(p.addedP99) <= g.maxAddedP99Ms);
}

/** The report's section: one row per case and mode. */
export function pairedMarkdown(paired: readonly PairedResult[]): string[] {
  if (paired.length === 0) return [];
  const first = paired[0]!;
  const out = [
    '',
    '## Interleaved against a baseline',
    '',
    `Each case and its baseline in ${first.rounds} alternating ${first.seconds} s windows at ${first.connections} connections on one process (the order flipped each round; chat against the floor: the floor in a process of its own beside the gateway): the figures to read against the goals, since single scenarios minutes apart swing by ±30 % on this machine.`,
    '',
    '| target | case | baseline | mode | req/s ratio (median; per round) | +p99 ms (median) | CPU ms/req (baseline / case) | goal (issue) | met |',
    '|---|---|---|---|---|--:|--:|---|:-:|',
  ];
  for (const p of paired) {
    const met = pairedMet(p);
    const perRound = p.ratios.map((x) => x.toFixed(2)).join(' ');
    const cpu = p.cpuMsPerReq.map((x) => (Number.isNaN(x) ? '–' : x.toFixed(3))).join(' / ');
    const added = median(p.addedP99);
    out.push(`| ${p.target} | ${p.test} | ${p.base} | ${p.mode} | ${median(p.ratios).toFixed(2)} (${perRound}) | ${added >= 0 ? '+' : ''}${added.toFixed(2)} | ${cpu} | ${p.goal?.text ?? ''} | ${met === undefined ? '–' : met ? 'yes' : '**no**'} |`);
  }
  return out;
}
