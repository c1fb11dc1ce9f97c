// The benchmark's pure reporting: percentiles, comparisons with the floor and Portkey, results.md and the SVG chart.
import { describe, expect, it } from 'vitest';
import { niceMax, renderSvg } from '../../bench/chart.js';
import {
  addedOverFloor,
  baselineComparisons,
  percentile,
  ratioPairs,
  renderMarkdown,
  type RunMeta,
  type ScenarioResult,
  throughputRatio,
} from '../../bench/report.js';

function result(target: string, mode: 'json' | 'stream', connections: number, rps: number, p50: number, p99: number): ScenarioResult {
  return { case: 'chat', order: 0, label: '', floorCase: 'chat', target, mode, connections, rps, p50, p99, rssMaxMb: 100, cpuMsPerReq: 0.5, upstreamCpuPct: 10, loaderCpuPct: 20, otherCpuPct: 0, sent: rps * 2, ok: rps * 2, errors: 0, non2xx: 0 };
}

const results: ScenarioResult[] = [
  result('floor', 'json', 32, 8000, 3, 9),
  result('portkey', 'json', 32, 1000, 20, 80),
  result('gateway-pg', 'json', 32, 4000, 7, 25),
  { ...result('gateway-pg', 'stream', 32, 3000, 9, 30), ttftP50: 4.5, logRows: 990, logRequests: 1000 },
];

const meta: RunMeta = {
  date: '2026-01-02T03:04:05.000Z',
  quick: false,
  machine: { nproc: 2, cpuModel: 'Test CPU', memGb: 24, node: 'v20.0.0', kernel: '6.1' },
  commit: 'abc1234',
  versions: { autocannon: '9.0.0' },
  durations: { warmupSec: 2, measureSec: 8, ttftSec: 3 },
  upstreamAlone: { json: 20000, stream: 12000, connections: 128 },
  backgroundCpuPct: 3,
};

describe('percentile', () => {
  it('uses the nearest rank of an ascending array', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('comparisons', () => {
  it('subtracts the floor latency of the same scenario', () => {
    expect(addedOverFloor(results, results[2]!)).toEqual({ p50: 4, p99: 16 });
    expect(addedOverFloor(results, results[0]!)).toBeUndefined();
    // no floor result for stream c32
    expect(addedOverFloor(results, results[3]!)).toBeUndefined();
  });

  it('divides throughput only when both sides exist', () => {
    expect(throughputRatio(results, 'gateway-pg', 'floor', 'json', 32)).toBe(0.5);
    expect(throughputRatio(results, 'gateway-pg', 'portkey', 'json', 32)).toBe(4);
    expect(throughputRatio(results, 'gateway-pg', 'floor', 'stream', 32)).toBeUndefined();
    expect(throughputRatio(results, 'gateway-pg', 'floor', 'json', 128)).toBeUndefined();
  });

  it('pairs every target with the floor and every gateway with Portkey', () => {
    expect(ratioPairs(['floor', 'portkey', 'gateway-pg', 'gateway-pglite'])).toEqual([
      ['portkey', 'floor'],
      ['gateway-pg', 'floor'],
      ['gateway-pglite', 'floor'],
      ['gateway-pg', 'portkey'],
      ['gateway-pglite', 'portkey'],
    ]);
    expect(ratioPairs(['gateway-pg'])).toEqual([]);
  });

  it('rounds axis maxima up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceMax(8000)).toBe(10000);
    expect(niceMax(1800)).toBe(2000);
    expect(niceMax(2100)).toBe(2500);
    expect(niceMax(0.3)).toBeCloseTo(0.5);
    expect(niceMax(0)).toBe(1);
  });
});

describe('renderMarkdown', () => {
  const md = renderMarkdown(meta, results, [
    { target: 'gateway-pg', status: 'ok', logTotal: { rows: 990, requests: 1000 } },
    { target: 'gateway-pglite', status: 'skipped', message: 'dist/main.js is missing' },
  ]);

  it('records the machine and date in the header', () => {
    expect(md).toContain('2 × Test CPU');
    expect(md).toContain('2026-01-02T03:04:05.000Z');
    expect(md).toContain('node v20.0.0');
    expect(md).not.toContain('QUICK');
  });

  it('prints each scenario with its added latency and the ratios', () => {
    expect(md).toContain('| gateway-pg | json c32 | 4,000 | 7.00 | 25.00 | +4.00 | +16.00 |');
    expect(md).toMatch(/\| json c32 \| 0\.13 \| 0\.50 \| 4\.00 \|/);
  });

  it('reports log rows against requests and says why a target is missing', () => {
    expect(md).toContain('| gateway-pg | stream c32 | 990 | 1000 | 0.990 |');
    expect(md).toContain('| gateway-pg | whole run | 990 | 1000 | 0.990 |');
    expect(md).toContain('**gateway-pglite skipped:** dist/main.js is missing');
  });
});

describe('surfaces and keys against their baselines', () => {
  const bridge = { case: 'responses-bridge', order: 1, label: 'responses bridge', floorCase: 'chat', comparedWith: 'chat', goal: { text: '≥ 0.85×', minRatio: 0.85 } };
  const native = { case: 'responses-native', order: 2, label: 'responses native', floorCase: 'responses-native' };
  const virtual = { case: 'virtual-key', order: 4, label: 'gov virtual key', floorCase: 'chat', comparedWith: 'static-key', goal: { text: 'p99 ≤ +1 ms', minRatio: 0.85, maxAddedP99Ms: 1 } };
  const rows: ScenarioResult[] = [
    ...results,
    { ...result('gateway-pg', 'json', 32, 3600, 8, 27), ...bridge },
    { ...result('floor', 'json', 32, 6000, 4, 10), ...native },
    { ...result('gateway-pg', 'json', 32, 3900, 7.5, 26), ...native },
    { ...result('gateway-pg', 'json', 32, 4000, 7, 25), case: 'static-key', order: 3, label: 'gov static key', floorCase: 'chat' },
    { ...result('gateway-pg', 'json', 32, 3800, 7.2, 26.5), ...virtual },
  ];

  it("compares a bridge with the chat floor, and a native relay with the floor of the same path", () => {
    expect(addedOverFloor(rows, rows[4]!)).toEqual({ p50: 5, p99: 18 });
    expect(addedOverFloor(rows, rows[6]!)).toEqual({ p50: 3.5, p99: 16 });
  });

  it("judges each goal on the same target's baseline: ratio and added p99", () => {
    const compared = baselineComparisons(rows).map((c) => ({ case: c.r.case, ratio: c.ratio, addedP99: c.addedP99, met: c.met }));
    expect(compared).toEqual([
      { case: 'responses-bridge', ratio: 0.9, addedP99: 2, met: true },
      { case: 'virtual-key', ratio: 0.95, addedP99: 1.5, met: false },
    ]);
  });

  it('lists the ratio rows in the order of the cases, each against its own floor', () => {
    const md = renderMarkdown(meta, rows, []);
    const lines = md.split('\n').filter((l) => /^\| (json|responses|gov)/.test(l));
    expect(lines[0]).toMatch(/^\| json c32 \|/);
    expect(lines.find((l) => l.startsWith('| responses native json c32'))).toContain('| 0.65 |');
    expect(md).toContain('| gateway-pg | gov virtual key json c32 | gov static key json c32 | 0.95 | +0.20 | +1.50 | p99 ≤ +1 ms | **no** |');
  });
});

describe('renderSvg', () => {
  it('draws one throughput and one p99 bar per result, scaled to the largest', () => {
    const svg = renderSvg(results, 'sub & title');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const bars = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#\w+"><title>/g)];
    expect(bars).toHaveLength(results.length * 2);
    const heights = bars.slice(0, results.length).map((m) => Number(m[2]));
    // floor 8000 of a 10000 axis (250 px) is the tallest throughput bar
    expect(Math.max(...heights)).toBeCloseTo(200, 0);
    expect(svg).toContain('sub &amp; title');
  });
});
