// The benchmark chart: hand-written SVG with grouped bars of throughput and p99 latency per target and scenario.
import { find, rowName, type ScenarioResult, scenarios, targetsOf } from './report.js';

const COLORS: Record<string, string> = { floor: '#8d99ae', portkey: '#e4572e', 'gateway-pg': '#2e86ab', 'gateway-pglite': '#76b041' };
const EXTRA = ['#f3a712', '#a23b72', '#3b1f2b', '#5f0f40'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round axis maximum at or above v (1, 2, 2.5, 5 × 10^k). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const pow = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * pow >= v) return step * pow;
  return 10 * pow;
}

/** One group of bars per case, mode and concurrency that a target other than the floor ran (and chat's always). */
const chartGroups = (results: readonly ScenarioResult[]) => scenarios(results).filter((g) => g.case === 'chat' || results.some((r) => r.case === g.case && r.target !== 'floor'));

function panel(results: readonly ScenarioResult[], metric: 'rps' | 'p99', title: string, top: number, width: number): string {
  const h = 250;
  const left = 70;
  const plotW = width - left - 20;
  const targets = targetsOf(results);
  const groups = chartGroups(results);
  const max = niceMax(Math.max(...results.map((r) => r[metric]).filter(Number.isFinite), 0));
  const groupW = plotW / Math.max(1, groups.length);
  const barW = Math.min(40, (groupW * 0.8) / Math.max(1, targets.length));
  const y = (v: number) => top + 30 + h - (v / max) * h;
  const parts = [`<text x="${left}" y="${top + 16}" font-size="15" font-weight="bold">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${esc(max >= 20 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1))}</text>`,
    );
  }
  groups.forEach((g, gi) => {
    const gx = left + gi * groupW + (groupW - barW * targets.length) / 2;
    targets.forEach((t, ti) => {
      // The floor's bar in a group is its run for that case's floor (chat's, for the bridges).
      const r = find(results, t, g.mode, g.connections, t === 'floor' ? g.floorCase : g.case);
      if (!r || !Number.isFinite(r[metric])) return;
      const x = gx + ti * barW;
      const color = COLORS[t] ?? EXTRA[ti % EXTRA.length];
      const label = metric === 'rps' ? Math.round(r.rps).toString() : r.p99.toFixed(1);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(r[metric]).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(y(0) - y(r[metric])).toFixed(1)}" fill="${color}"><title>${esc(`${t} ${rowName(g)}: ${label}`)}</title></rect>`,
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y(r[metric]) - 3).toFixed(1)}" font-size="9" text-anchor="middle">${label}</text>`,
      );
    });
    parts.push(`<text x="${(left + gi * groupW + groupW / 2).toFixed(1)}" y="${(y(0) + 16).toFixed(1)}" font-size="10" text-anchor="middle">${esc(rowName(g))}</text>`);
  });
  return parts.join('\n');
}

export function renderSvg(results: readonly ScenarioResult[], subtitle = ''): string {
  // Room for the labels of the surfaces' groups (about 150 px each) beyond chat's six.
  const width = Math.max(960, 90 + chartGroups(results).length * 150);
  const targets = targetsOf(results);
  const legend = targets
    .map((t, i) => `<rect x="${70 + i * 170}" y="${640}" width="12" height="12" fill="${COLORS[t] ?? EXTRA[i % EXTRA.length]}"/><text x="${88 + i * 170}" y="${651}" font-size="12">${esc(t)}</text>`)
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="670" viewBox="0 0 ${width} 670" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" font-size="13" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`,
    panel(results, 'rps', 'Throughput (req/s, higher is better)', 25, width),
    panel(results, 'p99', 'p99 latency (ms, lower is better)', 330, width),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
