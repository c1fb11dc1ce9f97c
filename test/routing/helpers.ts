// Shared by the routing tests: a config file on disk, a port nothing listens on, Prometheus text scraping.
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a GATEWAY_CONFIG file (JSON) and returns its path. */
export function writeGatewayConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-routing-'));
  const path = join(dir, 'gateway.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** A loopback URL whose port was just freed: connecting to it is refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

export async function scrape(gatewayUrl: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** The value of one sample (name + exact label subset), 0 when absent. Sums samples matching the labels given. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^([^\s{]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

/** Measures a metric before and after an action. */
export async function delta(gatewayUrl: string, name: string, labels: Record<string, string>, action: () => Promise<unknown>): Promise<number> {
  const before = sample(await scrape(gatewayUrl), name, labels);
  await action();
  return sample(await scrape(gatewayUrl), name, labels) - before;
}

/** Two fake OpenAI-wire upstreams and their provider entries: `primary` serves p-model, `fallback` serves f-model. */
export async function startPrimaryAndFallback(): Promise<{ primary: FakeUpstream; fallback: FakeUpstream; providers: object[] }> {
  const [primary, fallback] = await Promise.all([startFakeOpenAI({ models: ['p-model'] }), startFakeOpenAI({ models: ['f-model'] })]);
  const providers = [
    { id: 'primary', type: 'openai-compatible', base_url: primary.baseUrl, models: ['p-model'] },
    { id: 'fallback', type: 'openai-compatible', base_url: fallback.baseUrl, models: ['f-model'] },
  ];
  return { primary, fallback, providers };
}
