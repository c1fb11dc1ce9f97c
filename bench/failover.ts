// `node --import tsx bench/failover.ts [--n 200]`: how long from a primary's failure to the fallback's first byte
// at the client, through a real gateway (in process, PGlite log store) in front of loopback fakes.
// Scenarios: the primary answers 500; the primary's port refuses connections; and a baseline that goes straight to
// the fallback. For the 500 case the failure instant is stamped when the fake sends its 500; for connection refused,
// which no server can stamp, the figure is the added time to first byte over the baseline.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services.js';
import { openAIErrorBody, startFakeOpenAI } from '../test/fakes/openai-upstream.js';

const n = Number(process.argv[process.argv.indexOf('--n') + 1]) || 200;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms, min ${sorted[0]!.toFixed(2)} ms (n=${sorted.length})`;
}

async function main(): Promise<void> {
  const primary = await startFakeOpenAI({ models: ['p'] });
  const fallback = await startFakeOpenAI({ models: ['f'] });
  const dir = mkdtempSync(join(tmpdir(), 'gw-failover-'));
  const configPath = join(dir, 'gateway.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      providers: [
        { id: 'primary', type: 'openai-compatible', base_url: primary.baseUrl },
        { id: 'dead', type: 'openai-compatible', base_url: `http://127.0.0.1:${await closedPort()}/v1` },
        { id: 'fallback', type: 'openai-compatible', base_url: fallback.baseUrl },
      ],
      models: [
        { name: 'on-500', targets: ['primary/p', 'fallback/f'] },
        { name: 'on-refused', targets: ['dead/p', 'fallback/f'] },
        { name: 'baseline', targets: ['fallback/f'] },
      ],
      // The breaker would (rightly) stop sending to a primary that always fails; this measures the failover itself.
      breaker: { failure_threshold: 1_000_000, min_requests: 1_000_000 },
    }),
  );
  const config = loadConfig({ GATEWAY_CONFIG: configPath, PGLITE_DIR: 'memory://', DISCOVER_LOCAL_PROVIDERS: 'false', LOG_LEVEL: 'error' });
  const log = createLogger('error');
  const services = await createServices(config, log, { defaultMetrics: false, writer: { spillDir: undefined } });
  const app = buildApp(services, log);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/chat/completions`;

  let failedAt = 0;
  primary.setDefault(() => {
    failedAt = performance.now();
    return { status: 500, json: openAIErrorBody('primary failure', 'api_error') };
  });

  /** Sends one request; resolves with [start, first body byte] timestamps once the whole answer is read. */
  async function once(model: string, stream: boolean): Promise<{ start: number; firstByte: number; provider: string | null }> {
    const start = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'measure me' }] }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    const firstByte = performance.now();
    while (!(await reader.read()).done);
    if (res.status !== 200) throw new Error(`${model}: HTTP ${res.status}`);
    return { start, firstByte, provider: res.headers.get('x-gateway-provider') };
  }

  const lines: string[] = [];
  for (const stream of [true, false]) {
    const mode = stream ? 'stream' : 'json';
    for (let i = 0; i < 20; i++) await Promise.all([once('on-500', stream), once('on-refused', stream), once('baseline', stream)]); // warm-up
    const after500: number[] = [];
    const ttfb500: number[] = [];
    const ttfbRefused: number[] = [];
    const ttfbBaseline: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = await once('on-500', stream);
      if (a.provider !== 'fallback') throw new Error('on-500 was not answered by the fallback');
      after500.push(a.firstByte - failedAt);
      ttfb500.push(a.firstByte - a.start);
      const b = await once('on-refused', stream);
      if (b.provider !== 'fallback') throw new Error('on-refused was not answered by the fallback');
      ttfbRefused.push(b.firstByte - b.start);
      const c = await once('baseline', stream);
      ttfbBaseline.push(c.firstByte - c.start);
    }
    const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
    lines.push(
      `${mode}: primary 500 sent → fallback first byte at client: ${stats(after500)}`,
      `${mode}: time to first byte, primary 500: ${stats(ttfb500)}`,
      `${mode}: time to first byte, primary connection refused: ${stats(ttfbRefused)}`,
      `${mode}: time to first byte, straight to the fallback (baseline): ${stats(ttfbBaseline)}`,
      `${mode}: added by the failover (median over baseline): 500 → ${(median(ttfb500) - median(ttfbBaseline)).toFixed(2)} ms, refused → ${(median(ttfbRefused) - median(ttfbBaseline)).toFixed(2)} ms`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  await app.close();
  await services.close();
  await primary.close();
  await fallback.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
