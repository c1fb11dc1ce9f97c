// Pure reporting for the benchmark: percentiles, comparisons with the floor and Portkey, results.md.
export type Mode = 'json' | 'stream';

/** Which case a result measured (bench/cases.ts): the surface or key, and what it is compared with. */
export interface CaseRef {
  case: string;
  /** Where the case stands in bench/cases.ts, so tables list cases in that order whatever ran first. */
  order: number;
  /** Prefix of the row's name; '' for chat. */
  label: string;
  /** The floor run (by case) whose latency and throughput this row is compared with. */
  floorCase: string;
  /** A case on the same target this row is compared with (chat, or the static key), and the issue's goal. */
  comparedWith?: string;
  goal?: Goal;
}

export interface Goal {
  text: string;
  minRatio?: number;
  maxAddedP99Ms?: number;
}

export interface ScenarioResult extends CaseRef {
  target: string;
  mode: Mode;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  ttftP50?: number;
  ttftP99?: number;
  rssMaxMb: number;
  cpuMsPerReq: number;
  /** CPU of the Postgres server per request, for targets that log to it (it runs outside the target process). */
  dbCpuMsPerReq?: number;
  upstreamCpuPct: number;
  /** CPU of the benchmark process itself (autocannon), % of one core. */
  loaderCpuPct: number;
  /** CPU of everything else on the machine during the measured window, % of one core: high means a disturbed result. */
  otherCpuPct: number;
  sent: number;
  ok: number;
  errors: number;
  non2xx: number;
  invalid?: number;
  /** Log rows written during the scenario vs requests the scenario made (warm-up, measured and TTFT runs). */
  logRows?: number;
  logRequests?: number;
}

export interface TargetOutcome {
  target: string;
  status: 'ok' | 'skipped' | 'failed';
  message?: string;
  /** Rows in request_logs at the end vs every request sent to the target. */
  logTotal?: { rows: number; requests: number };
}

export interface RunMeta {
  date: string;
  quick: boolean;
  machine: { nproc: number; cpuModel: string; memGb: number; node: string; kernel: string };
  commit: string;
  versions: Record<string, string>;
  durations: { warmupSec: number; measureSec: number; ttftSec: number };
  upstreamAlone: { json: number; stream: number; connections: number };
  /** CPU used by other processes in the second before the run, % of one core. */
  backgroundCpuPct: number;
  /** The scenario groups this run chose (--scenarios), and why some targets lack some cases. */
  scenarios?: string[];
  notes?: string[];
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export const scenarioName = (mode: Mode, connections: number, label = ''): string => `${label ? `${label} ` : ''}${mode} c${connections}`;
export const rowName = (r: Pick<ScenarioResult, 'label' | 'mode' | 'connections'>): string => scenarioName(r.mode, r.connections, r.label);

export function find(results: readonly ScenarioResult[], target: string, mode: Mode, connections: number, kase = 'chat'): ScenarioResult | undefined {
  return results.find((r) => r.target === target && r.mode === mode && r.connections === connections && r.case === kase);
}

/** Latency a target adds over the floor in the same scenario (ms), or undefined without a floor result. */
export function addedOverFloor(results: readonly ScenarioResult[], r: ScenarioResult): { p50: number; p99: number } | undefined {
  const floor = find(results, 'floor', r.mode, r.connections, r.floorCase);
  if (!floor || r.target === 'floor') return undefined;
  return { p50: r.p50 - floor.p50, p99: r.p99 - floor.p99 };
}

/** Throughput ratio num/den in one scenario, or undefined when either is missing or den is zero. */
export function throughputRatio(results: readonly ScenarioResult[], num: string, den: string, mode: Mode, connections: number, kase = 'chat', denCase = kase): number | undefined {
  const a = find(results, num, mode, connections, kase);
  const b = find(results, den, mode, connections, denCase);
  if (!a || !b || !(b.rps > 0)) return undefined;
  return a.rps / b.rps;
}

/** The ratio columns worth printing: every other target over the floor, every gateway target over Portkey. */
export function ratioPairs(targets: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  if (targets.includes('floor')) for (const t of targets) if (t !== 'floor') pairs.push([t, 'floor']);
  if (targets.includes('portkey')) for (const t of targets) if (t.startsWith('gateway')) pairs.push([t, 'portkey']);
  return pairs;
}

type ScenarioKey = CaseRef & { mode: Mode; connections: number };

/** Each (case, mode, connections) measured, in the cases' order, then JSON before stream, then by connections. */
export function scenarios(results: readonly ScenarioResult[]): ScenarioKey[] {
  const seen = new Map<string, ScenarioKey>();
  for (const r of results) {
    const k = `${r.case} ${r.mode} ${r.connections}`;
    if (!seen.has(k)) seen.set(k, { case: r.case, order: r.order, label: r.label, floorCase: r.floorCase, comparedWith: r.comparedWith, goal: r.goal, mode: r.mode, connections: r.connections });
  }
  const modes: Mode[] = ['json', 'stream'];
  return [...seen.values()].sort((a, b) => a.order - b.order || modes.indexOf(a.mode) - modes.indexOf(b.mode) || a.connections - b.connections);
}

export const targetsOf = (results: readonly ScenarioResult[]): string[] => [...new Set(results.map((r) => r.target))];

/** Every gateway row with a same-target baseline (a surface against chat, the virtual key against the static key). */
export function baselineComparisons(results: readonly ScenarioResult[]): { r: ScenarioResult; base: ScenarioResult; ratio: number; addedP50: number; addedP99: number; met?: boolean }[] {
  const out = [];
  for (const r of results) {
    if (!r.comparedWith || !r.target.startsWith('gateway')) continue;
    const base = find(results, r.target, r.mode, r.connections, r.comparedWith);
    if (!base || !(base.rps > 0)) continue;
    const ratio = r.rps / base.rps;
    const addedP99 = r.p99 - base.p99;
    const g = r.goal;
    const checked = g && (g.minRatio !== undefined || g.maxAddedP99Ms !== undefined);
    const met = checked ? (g.minRatio === undefined || ratio >= g.minRatio) && (g.maxAddedP99Ms === undefined || addedP99 <= g.maxAddedP99Ms) : undefined;
    out.push({ r, base, ratio, addedP50: r.p50 - base.p50, addedP99, met });
  }
  return out;
}

const num = (v: number | undefined, digits = 1): string => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));
const signed = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`);
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

/** What each scenario measures (`npm run bench -- --scenarios chat,responses,messages,governance` picks groups). */
export const SCENARIOS_TEXT = [
  '## Scenarios',
  '',
  'Every scenario runs JSON and a 20-chunk stream against a fake upstream that answers at once from precomputed bytes, in the dialect of the path it is called on. The floor is a raw proxy (node:http in, undici out, bytes piped) to the same upstream path the gateway calls.',
  '',
  '- **chat** (`--scenarios chat`): `POST /v1/chat/completions` with no gateway keys configured (as in every earlier run), at 1, 32 and 128 connections, on every target: floor, Portkey, llm-gateway with Postgres (`gateway-pg`) and with PGlite (`gateway-pglite`).',
  '- **responses** (issue 12), at 1 and 32 connections on gateway-pg: *responses bridge* = `POST /v1/responses` through the bridge onto a chat-only OpenAI-wire provider (the fake\'s chat path; floor: chat\'s); *responses native* = the pass-through to a provider of kind openai, which calls the fake\'s `/v1/responses` (realistic `response.*` events with `sequence_number` and usage; floor and Portkey: the same path). Portkey 1.15.2 has no bridge (a chat-only provider answers 500 `createModelResponse is not supported`).',
  '- **messages** (issue 13), at 1 and 32 connections on gateway-pg: *messages native* = `POST /v1/messages` relayed to a provider of kind anthropic, which calls the fake\'s Anthropic `/v1/messages` (`message_start` … `message_stop` with usage; floor and Portkey with provider anthropic: the same path); *messages → chat* = translated onto the OpenAI chat fake (floor: chat\'s). Portkey 1.15.2 does not translate (`messages is not supported by openai`).',
  '- **governance** (issue 14), at 32 connections: a gateway-pg started with `REDIS_URL`, a unique `REDIS_PREFIX`, `GATEWAY_ADMIN_KEY` and a static key; a team and a virtual key with RPM, TPM and a monthly budget (all far above what a run can use) are created through the admin API at start; *gov static key* and *gov virtual key* are the same chat request with either key, in the same process. Portkey\'s open-source gateway has no virtual keys or budgets.',
  '- Each new surface is also compared with the same gateway\'s chat run, and the virtual key with the static key, in "Against the same gateway\'s baseline", with the goal the issue states. All rows are priced (`prices:` in the bench\'s config file: gpt-4o\'s and Claude Sonnet\'s list prices), so every answer computes its cost.',
];

/** `after`: lines placed after the baseline comparisons (bench/paired.ts's interleaved section). */
export function renderMarkdown(meta: RunMeta, results: readonly ScenarioResult[], outcomes: readonly TargetOutcome[], after: readonly string[] = []): string {
  const m = meta.machine;
  const out: string[] = [
    `# llm-gateway benchmark${meta.quick ? ' (QUICK SMOKE RUN — not representative)' : ''}`,
    '',
    `- date: ${meta.date}; commit: ${meta.commit}`,
    `- machine: ${m.nproc} × ${m.cpuModel}, ${m.memGb} GiB RAM, Linux ${m.kernel}; node ${m.node}`,
    `- versions: ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `- each scenario: ${meta.durations.warmupSec} s warm-up, ${meta.durations.measureSec} s measured (autocannon, closed loop at fixed connections), then for streams ${meta.durations.ttftSec} s of TTFT clients (undici) at the same concurrency`,
    `- fake upstream alone (autocannon straight at it, c${meta.upstreamAlone.connections}): ${int(meta.upstreamAlone.json)} req/s JSON, ${int(meta.upstreamAlone.stream)} req/s stream`,
    ...(meta.scenarios ? [`- scenarios: ${meta.scenarios.join(', ')}`] : []),
    ...(meta.notes ?? []).map((n) => `- ${n}`),
    `- CPU used by other processes just before the run: ${num(meta.backgroundCpuPct, 0)} % of one core${meta.backgroundCpuPct > 20 ? ' — **the machine was not idle; results are noisy**' : ''}`,
    '- everything (load generator, target, fake upstream, Postgres) shares the same cores over loopback: compare targets with each other, not with other machines',
    '',
  ];
  for (const o of outcomes) if (o.status !== 'ok') out.push(`> **${o.target} ${o.status}:** ${o.message ?? ''}`, '');

  out.push(
    '## Results',
    '',
    '| target | scenario | req/s | p50 ms | p99 ms | +p50 vs floor | +p99 vs floor | TTFT p50 ms | TTFT p99 ms | RSS max MB | CPU ms/req | CPU % upstream / loader / other | errors / non-2xx |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  );
  for (const r of results) {
    const added = addedOverFloor(results, r);
    const cpu = r.dbCpuMsPerReq === undefined ? num(r.cpuMsPerReq, 3) : `${num(r.cpuMsPerReq, 3)} (+${num(r.dbCpuMsPerReq, 3)} db)`;
    const bad = `${r.errors + (r.invalid ?? 0)} / ${r.non2xx}`;
    out.push(
      `| ${r.target} | ${rowName(r)} | ${int(r.rps)} | ${num(r.p50, 2)} | ${num(r.p99, 2)} | ${signed(added?.p50)} | ${signed(added?.p99)} | ${num(r.ttftP50, 2)} | ${num(r.ttftP99, 2)} | ${num(r.rssMaxMb, 0)} | ${cpu} | ${num(r.upstreamCpuPct, 0)} / ${num(r.loaderCpuPct, 0)} / ${num(r.otherCpuPct, 0)} | ${bad} |`,
    );
  }

  const pairs = ratioPairs(targetsOf(results));
  if (pairs.length > 0) {
    out.push('', '## Throughput ratios', '', `| scenario | ${pairs.map(([a, b]) => `${a} / ${b}`).join(' | ')} |`, `|---|${pairs.map(() => '--:').join('|')}|`);
    for (const s of scenarios(results)) {
      const ratios = pairs.map(([a, b]) => throughputRatio(results, a, b, s.mode, s.connections, s.case, b === 'floor' ? s.floorCase : s.case));
      if (ratios.every((v) => v === undefined)) continue;
      const cells = ratios.map((v) => num(v, 2));
      out.push(`| ${rowName(s)} | ${cells.join(' | ')} |`);
    }
  }

  const compared = baselineComparisons(results);
  if (compared.length > 0) {
    out.push(
      '',
      '## Against the same gateway\'s baseline',
      '',
      'Each new surface against chat completions, and the virtual key against the static key, on the same target in the same run.',
      '',
      '| target | scenario | baseline | req/s ratio | +p50 ms | +p99 ms | goal (issue) | met |',
      '|---|---|---|--:|--:|--:|---|:-:|',
    );
    for (const c of compared) {
      const met = c.met === undefined ? '–' : c.met ? 'yes' : '**no**';
      out.push(`| ${c.r.target} | ${rowName(c.r)} | ${rowName(c.base)} | ${num(c.ratio, 2)} | ${signed(c.addedP50)} | ${signed(c.addedP99)} | ${c.r.goal?.text ?? ''} | ${met} |`);
    }
  }

  out.push(...after);

  const logged = results.filter((r) => r.logRequests !== undefined);
  const totals = outcomes.filter((o) => o.logTotal);
  if (logged.length > 0 || totals.length > 0) {
    out.push('', '## Request log rows', '', '| target | scope | rows written | requests made | rows / requests |', '|---|---|--:|--:|--:|');
    for (const r of logged) {
      const ratio = r.logRequests ? (r.logRows ?? 0) / r.logRequests : Number.NaN;
      out.push(`| ${r.target} | ${rowName(r)} | ${r.logRows ?? '–'} | ${r.logRequests} | ${num(ratio, 3)} |`);
    }
    for (const o of totals) {
      const t = o.logTotal!;
      out.push(`| ${o.target} | whole run | ${t.rows} | ${t.requests} | ${num(t.requests ? t.rows / t.requests : Number.NaN, 3)} |`);
    }
    out.push('', 'Requests made counts every request sent, including those cut off in flight when a run stopped (at most one per connection), which a gateway may log as aborted or not at all.');
  }

  out.push('', ...SCENARIOS_TEXT);
  out.push(
    '',
    '## How it was measured',
    '',
    '- req/s = 2xx responses / measured seconds; p50/p99 = percentiles of every 2xx response time (sub-ms, from autocannon\'s response events).',
    '- +p50/+p99 vs floor = the same percentile minus the floor\'s in the same scenario (floor = raw node:http → undici pass-through proxy).',
    '- TTFT = time from sending the request to the first response body byte, from a separate closed-loop undici client at the same concurrency, run after autocannon: compare TTFT across targets, not with the autocannon p50.',
    '- RSS max = highest VmRSS of the target process sampled every 100 ms during the scenario; CPU ms/req = utime+stime of the target process over the measured window / 2xx responses; "db" adds the Postgres server processes\' CPU over the same window.',
    '- CPU % upstream / loader / other = over the measured window, in % of one core (the machine has ' + m.nproc + '00 %): the fake upstream, the benchmark process (autocannon), and every other process on the machine (high = a disturbed result).',
    '',
    '![throughput and p99](results.svg)',
    '',
  );
  return out.join('\n');
}
