// Load generation: autocannon for throughput/latency, an undici client loop for time to first token.
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { percentile } from './report.js';
import { forMode, type Endpoint } from './checks.js';

export interface LoadResult {
  sent: number;
  completed: number;
  ok: number;
  durationSec: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}

export interface TtftResult {
  count: number;
  sent: number;
  ttftP50: number;
  ttftP99: number;
  totalP50: number;
  invalid: number;
  errors: number;
  firstProblem?: string;
}

/** One autocannon run; latency percentiles come from every 2xx response time (sub-ms, unlike autocannon's ms histogram). */
export function runLoad(ep: Endpoint, body: string, connections: number, durationSec: number): Promise<LoadResult> {
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: ep.url, method: 'POST', headers: { 'content-type': 'application/json', ...ep.headers }, body, connections, duration: durationSec, timeout: 30 },
      (err, r) => {
        if (err) return reject(err);
        times.sort((a, b) => a - b);
        const statusCodes: Record<string, number> = {};
        for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = Number(v.count);
        resolve({
          sent: r.requests.sent,
          completed: r.requests.total,
          ok: times.length,
          durationSec: r.duration,
          rps: times.length / r.duration,
          p50: percentile(times, 50),
          p99: percentile(times, 99),
          errors: r.errors,
          non2xx: r.non2xx,
          statusCodes,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) times.push(ms);
    });
  });
}

/** Closed-loop streaming clients (one per connection) timing the first body byte; bodies are checked cheaply. */
export async function runTtft(endpoint: Endpoint, connections: number, durationSec: number): Promise<TtftResult> {
  const ep = forMode(endpoint, true);
  const url = new URL(ep.url);
  const pool = new Pool(url.origin, { connections, keepAliveTimeout: 30_000 });
  const body = ep.dialect.body(ep.model, true);
  const headers = { 'content-type': 'application/json', ...ep.headers };
  const ttft: number[] = [];
  const total: number[] = [];
  let sent = 0;
  let invalid = 0;
  let errors = 0;
  let firstProblem: string | undefined;
  const end = performance.now() + durationSec * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      sent++;
      try {
        const res = await pool.request({ method: 'POST', path: url.pathname, headers, body });
        let first = 0;
        let text = '';
        for await (const chunk of res.body) {
          if (!first) first = performance.now();
          text += (chunk as Buffer).toString('latin1');
        }
        if (res.statusCode !== 200 || !ep.dialect.streamComplete(text)) {
          invalid++;
          firstProblem ??= `HTTP ${res.statusCode}, body ends ${JSON.stringify(text.slice(-120))}`;
          continue;
        }
        ttft.push(first - t0);
        total.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstProblem ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  await pool.close();
  ttft.sort((a, b) => a - b);
  total.sort((a, b) => a - b);
  return { count: ttft.length, sent, ttftP50: percentile(ttft, 50), ttftP99: percentile(ttft, 99), totalP50: percentile(total, 50), invalid, errors, firstProblem };
}
