// Load generation: autocannon for throughput/latency, an undici client loop for time to first token, response checks.
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { percentile } from './report.js';
import { STREAM_CONTENT_CHUNKS } from './fake-upstream.js';

export interface Endpoint {
  url: string;
  headers: Record<string, string>;
  model: string;
}

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

export const EXPECTED_TEXT = Array.from({ length: STREAM_CONTENT_CHUNKS }, (_, i) => `tok${i} `).join('');

export function requestBody(model: string, stream: boolean): string {
  const messages = [{ role: 'user', content: 'Say hello in a few words.' }];
  return JSON.stringify(stream ? { model, messages, stream: true, stream_options: { include_usage: true } } : { model, messages });
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

/** Describes what is wrong with a streamed chat completion body, or returns null when it is a complete, well-formed one. */
export function checkStreamBody(text: string): string | null {
  let content = '';
  let usage = false;
  let finish = false;
  let done = false;
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (!data) continue;
    if (done) return 'data after [DONE]';
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    let chunk: { choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[]; usage?: unknown; error?: unknown };
    try {
      chunk = JSON.parse(data) as typeof chunk;
    } catch {
      return `non-JSON event: ${data.slice(0, 80)}`;
    }
    if (chunk.error) return `error event: ${JSON.stringify(chunk.error).slice(0, 200)}`;
    for (const c of chunk.choices ?? []) {
      content += c.delta?.content ?? '';
      if (c.finish_reason) finish = true;
    }
    if (chunk.usage && chunk.choices?.length === 0) usage = true;
  }
  if (content !== EXPECTED_TEXT) return `content ${JSON.stringify(content.slice(0, 60))} differs from the upstream's`;
  if (!finish) return 'no finish_reason';
  if (!usage) return 'no usage chunk (choices: []) despite stream_options.include_usage';
  if (!done) return 'no data: [DONE]';
  return null;
}

/** Describes what is wrong with a chat.completion JSON body, or null. */
export function checkJsonBody(text: string): string | null {
  try {
    const body = JSON.parse(text) as { object?: string; choices?: { message?: { content?: string } }[] };
    if (body.object !== 'chat.completion') return `object is ${String(body.object)}`;
    if (body.choices?.[0]?.message?.content !== EXPECTED_TEXT) return 'content differs from the upstream\'s';
    return null;
  } catch {
    return `not JSON: ${text.slice(0, 120)}`;
  }
}

/** One request, fully checked; throws with the reason when the target does not answer correctly. */
export async function verify(ep: Endpoint, stream: boolean): Promise<void> {
  const res = await fetch(ep.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ep.headers },
    body: requestBody(ep.model, stream),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  const type = res.headers.get('content-type') ?? '';
  if (stream && !type.includes('text/event-stream')) throw new Error(`stream answered with content-type ${type}`);
  const problem = stream ? checkStreamBody(text) : checkJsonBody(text);
  if (problem) throw new Error(`${stream ? 'stream' : 'JSON'} response: ${problem}`);
}

/** Closed-loop streaming clients (one per connection) timing the first body byte; bodies are checked cheaply. */
export async function runTtft(ep: Endpoint, connections: number, durationSec: number): Promise<TtftResult> {
  const url = new URL(ep.url);
  const pool = new Pool(url.origin, { connections, keepAliveTimeout: 30_000 });
  const body = requestBody(ep.model, true);
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
        if (res.statusCode !== 200 || !text.endsWith('data: [DONE]\n\n') || !text.includes('"usage"')) {
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
