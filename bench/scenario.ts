// One measured scenario against a started target: warm-up, autocannon window with /proc sampling, TTFT loop, log drain.
import { runLoad, runTtft } from './load.js';
import { type Managed, readCpuMs, readCpuMsByComm, readSystemBusyMs, sampleRss } from './processes.js';
import { forMode, type Endpoint } from './checks.js';
import { type CaseRef, type Mode, type ScenarioResult, rowName } from './report.js';
import type { Started } from './targets.js';

export interface Durations {
  warmupSec: number;
  measureSec: number;
  ttftSec: number;
}

/** Waits for an asynchronously written log to settle: stops at `expected` rows or when the count stays still for ~1 s (max 8 s). */
export async function settledCount(count: () => Promise<number>, expected: number): Promise<number> {
  const deadline = Date.now() + 8000;
  let last = await count();
  let stillSince = Date.now();
  while (last < expected && Date.now() < deadline && Date.now() - stillSince < 1000) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await count();
    if (now !== last) stillSince = Date.now();
    last = now;
  }
  return last;
}

/** Runs one scenario; returns its result and how many requests it sent in all (warm-up and TTFT included). */
export async function runScenario(
  name: string,
  target: Started,
  anyMode: Endpoint,
  kase: CaseRef,
  upstream: Managed,
  mode: Mode,
  c: number,
  durations: Durations,
): Promise<{ result: ScenarioResult; made: number }> {
  const { proc } = target;
  const endpoint = forMode(anyMode, mode === 'stream');
  const body = endpoint.dialect.body(endpoint.model, mode === 'stream');
  const rss = sampleRss(proc.pid);
  const rowsBefore = await target.countRows?.();
  const warm = await runLoad(endpoint, body, c, durations.warmupSec);

  const cpu0 = readCpuMs(proc.pid);
  const up0 = readCpuMs(upstream.pid);
  const db0 = target.countRows ? readCpuMsByComm('postgres') : 0;
  const sys0 = readSystemBusyMs();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const load = await runLoad(endpoint, body, c, durations.measureSec);
  const wallMs = performance.now() - t0;
  const cpuMs = readCpuMs(proc.pid) - cpu0;
  const upMs = readCpuMs(upstream.pid) - up0;
  const dbMs = target.countRows ? readCpuMsByComm('postgres') - db0 : 0;
  const self = process.cpuUsage(self0);
  const selfMs = (self.user + self.system) / 1000;
  // Whatever else ran on the machine meanwhile (other users' builds, tests): a disturbed result shows here.
  const otherMs = readSystemBusyMs() - sys0 - cpuMs - upMs - dbMs - selfMs;

  const ttft = mode === 'stream' ? await runTtft(endpoint, c, durations.ttftSec) : undefined;
  const rssMaxMb = rss.stop() / 1024;
  const made = warm.sent + load.sent + (ttft?.sent ?? 0);
  const result: ScenarioResult = {
    ...kase,
    target: name,
    mode,
    connections: c,
    rps: load.rps,
    p50: load.p50,
    p99: load.p99,
    ttftP50: ttft?.ttftP50,
    ttftP99: ttft?.ttftP99,
    rssMaxMb,
    cpuMsPerReq: load.ok ? cpuMs / load.ok : Number.NaN,
    dbCpuMsPerReq: target.countRows && load.ok ? dbMs / load.ok : undefined,
    upstreamCpuPct: (upMs / wallMs) * 100,
    loaderCpuPct: (selfMs / wallMs) * 100,
    otherCpuPct: Math.max(0, (otherMs / wallMs) * 100),
    sent: load.sent,
    ok: load.ok,
    errors: load.errors + (ttft?.errors ?? 0),
    non2xx: load.non2xx,
    invalid: ttft?.invalid,
  };
  if (target.countRows && rowsBefore !== undefined) {
    result.logRows = (await settledCount(target.countRows, rowsBefore + made)) - rowsBefore;
    result.logRequests = made;
  }
  const r = result;
  console.log(
    `[${name}] ${rowName(result)}: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms` +
      (ttft ? `, TTFT p50 ${ttft.ttftP50.toFixed(2)} ms` : '') +
      `, RSS ${rssMaxMb.toFixed(0)} MB, ${r.cpuMsPerReq.toFixed(3)} CPU ms/req; CPU % upstream ${r.upstreamCpuPct.toFixed(0)}, loader ${r.loaderCpuPct.toFixed(0)}, other ${r.otherCpuPct.toFixed(0)}` +
      (load.errors || load.non2xx ? `; ${load.errors} errors, ${load.non2xx} non-2xx ${JSON.stringify(load.statusCodes)}` : '') +
      (ttft && (ttft.invalid || ttft.errors) ? `; TTFT client: ${ttft.invalid} invalid, ${ttft.errors} errors (${ttft.firstProblem})` : '') +
      (r.logRequests !== undefined ? `; log rows ${r.logRows}/${r.logRequests}` : ''),
  );
  return { result, made };
}
