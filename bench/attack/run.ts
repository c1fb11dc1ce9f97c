// `npx tsx bench/attack/run.ts`: the hardening attack run against real gateways on loopback, bounded in count and
// time, printing one table (cases tried and failed, rows lost, canary hits, RSS before and after).
import { createServer } from 'node:net';
import { connect } from 'node:net';
import { startFakeAnthropic } from '../../test/fakes/anthropic-upstream.js';
import { startFakeOpenAI } from '../../test/fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import { findPgBin } from '../../test/helpers/pg-cluster.js';
import { runLogCrash } from '../../test/reliability/log-crash.js';
import { AUTH_TRICKS, BAD_INPUTS, ssrfUrls } from './cases.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CANARY = `sk-canary-${crypto.randomUUID()}`;
/** Every chat goes to the fake OpenAI (which holds the canary key); the mock provider would swallow them all. */
const MODEL = 'openai/gpt-4o-mini';
const GATEWAY_KEY = `gw-attack-${crypto.randomUUID()}`;
interface Row { step: string; tried: number; failed: number; note: string }
const table: Row[] = [];
const bodies: string[] = [];
const ids: string[] = [];

async function step(name: string, run: () => Promise<{ tried: number; failed: number; note?: string }>): Promise<void> {
  const started = Date.now();
  try {
    const r = await run();
    table.push({ step: name, tried: r.tried, failed: r.failed, note: `${r.note ?? ''} ${Date.now() - started} ms`.trim() });
  } catch (err) {
    table.push({ step: name, tried: 1, failed: 1, note: `threw: ${(err as Error).message.slice(0, 80)}` });
  }
}

async function send(gw: TestGateway, url: string, init: RequestInit & { id?: string } = {}): Promise<{ status: number; text: string }> {
  const id = init.id ?? `attack-${crypto.randomUUID()}`;
  ids.push(id);
  const res = await fetch(`${gw.url}${url}`, { ...init, headers: { 'content-type': 'application/json', 'x-request-id': id, ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, text };
}

/** Bad input may be accepted (ignored fields) or refused with a 4xx in the envelope; never a 5xx. */
const isCleanAnswer = (status: number, text: string) => status < 400 || (status < 500 && /"error":\{"message"/.test(text));

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const openai = await startFakeOpenAI({ apiKey: CANARY });
  const anthropic = await startFakeAnthropic();
  const gw = await startGateway({
    env: { DATABASE_URL, GATEWAY_API_KEYS: GATEWAY_KEY, OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: openai.baseUrl, ANTHROPIC_API_KEY: CANARY, ANTHROPIC_BASE_URL: anthropic.baseUrl, LOG_LEVEL: 'debug' },
    configure: (c) => {
      c.routing.retries = 0;
      c.headersTimeoutMs = 2_000;
      c.requestTimeoutMs = 2_000;
    },
  });
  const auth = { authorization: `Bearer ${GATEWAY_KEY}` };

  await step('bad-input corpus', async () => {
    let failed = 0;
    for (const c of BAD_INPUTS) {
      const r = await send(gw, c.url, { method: 'POST', body: c.body, headers: auth });
      if (!isCleanAnswer(r.status, r.text)) {
        failed++;
        process.stderr.write(`bad input ${c.name}: ${r.status} ${r.text.slice(0, 200)}\n`);
      }
    }
    return { tried: BAD_INPUTS.length, failed };
  });

  await step('auth path tricks', async () => {
    let failed = 0;
    for (const path of AUTH_TRICKS) {
      const r = await send(gw, path);
      if (r.status === 200) failed++;
    }
    return { tried: AUTH_TRICKS.length, failed };
  });

  await step('SSRF address forms', async () => {
    let hits = 0;
    const listener = createServer((s) => {
      hits++;
      s.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const port = (listener.address() as { port: number }).port;
    const urls = ssrfUrls(port);
    for (const url of urls) {
      for (const model of ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5']) {
        const content = [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url } }];
        await send(gw, '/v1/chat/completions', { method: 'POST', headers: auth, body: JSON.stringify({ model, messages: [{ role: 'user', content }] }) });
      }
    }
    listener.close();
    return { tried: urls.length * 2, failed: hits, note: `listener hits ${hits}` };
  });

  await step('canary in upstream errors', async () => {
    const planted = { error: { message: `bad ${CANARY}`, type: `t ${CANARY}`, param: `p ${CANARY}`, code: `c ${CANARY}` } };
    const shapes = [{ status: 400, json: planted }, { status: 500, json: planted }, { status: 401, json: planted }, { sse: [`data: ${JSON.stringify(planted)}\n\n`], done: false }];
    let unredacted = 0;
    for (const shape of shapes) {
      openai.enqueue(shape);
      const r = await send(gw, '/v1/chat/completions', { method: 'POST', headers: auth, body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: 'sse' in shape, messages: [{ role: 'user', content: 'canary' }] }) });
      // Not vacuous: the planted error reached the gateway and came back scrubbed.
      if (!r.text.includes('[REDACTED]')) unredacted++;
    }
    return { tried: shapes.length, failed: unredacted };
  });

  await step('slow clients', async () => {
    const port = Number(new URL(gw.url).port);
    const sockets = Array.from({ length: 30 }, () => connect(port, '127.0.0.1'));
    for (const s of sockets) {
      s.on('error', () => undefined);
      s.resume();
      s.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n');
    }
    const served = await send(gw, '/v1/chat/completions', { method: 'POST', headers: auth, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'still here' }] }) });
    await new Promise((r) => setTimeout(r, 6_000));
    const open = sockets.filter((s) => !s.destroyed && !s.readableEnded).length;
    for (const s of sockets) s.destroy();
    return { tried: sockets.length + 1, failed: open + (served.status === 200 ? 0 : 1), note: `still open after 6 s: ${open}` };
  });

  await step('many streams', async () => {
    const n = 200;
    const results = await Promise.all(
      Array.from({ length: n }, () => send(gw, '/v1/chat/completions', { method: 'POST', headers: auth, body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'stream me' }] }) })),
    );
    return { tried: n, failed: results.filter((r) => r.status !== 200 || !r.text.includes('data: [DONE]')).length };
  });

  await gw.flushLogs();
  let canaryHits = 0;
  const logText = gw.logLines.join('');
  canaryHits += logText.split(CANARY).length - 1;
  for (const line of gw.logLines) if (line.includes(CANARY)) process.stderr.write(`canary in log: ${line.slice(0, 300)}\n`);
  for (const b of bodies) if (b.includes(CANARY)) process.stderr.write(`canary in body: ${b.slice(0, 300)}\n`);
  canaryHits += bodies.join('').split(CANARY).length - 1;
  for (const id of ids) {
    const row = JSON.stringify(await gw.services.logStore.byId(id));
    if (row.includes(CANARY)) process.stderr.write(`canary in row ${id}: ${row.slice(0, 300)}\n`);
    canaryHits += row.split(CANARY).length - 1;
  }
  table.push({ step: 'canary grep (pino, rows, bodies)', tried: ids.length, failed: canaryHits, note: `canary hits ${canaryHits}` });
  await gw.close();
  await openai.close();
  await anthropic.close();

  const rssModelsBefore = process.memoryUsage().rss;
  // Its own gateway in mock mode: every distinct name is routed (to the mock), so per-model state would grow.
  const mockGw = await startGateway({ env: { DATABASE_URL, MOCK_MODE: 'true', MOCK_DELAY_MS: '0' } });
  await step('60,000 model names', async () => {
    let failed = 0;
    const total = process.env.ATTACK_QUICK ? 2_000 : 60_000;
    for (let i = 0; i < total; i += 200) {
      const batch = await Promise.all(
        Array.from({ length: 200 }, (_, j) => mockGw.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { ...auth, 'content-type': 'application/json' }, payload: { model: `mock/attack-${i + j}`, messages: [{ role: 'user', content: 'x' }] } })),
      );
      failed += batch.filter((r) => r.statusCode >= 500).length;
    }
    return { tried: total, failed, note: `RSS ${mb(rssModelsBefore)} -> ${mb(process.memoryUsage().rss)} MB` };
  });

  await mockGw.close();

  let rowsLost: number | string = 'n/a';
  const { bin, reason } = findPgBin();
  if (bin && !process.env.ATTACK_QUICK) {
    await step('db outage + crash', async () => {
      const run = await runLogCrash({ bin, before: 100, during: 1_500 });
      rowsLost = run.lost;
      return { tried: run.answeredBefore + run.answeredDuring, failed: run.duplicated, note: `lost ${run.lost}, duplicated ${run.duplicated}, exit ${run.exit}` };
    });
  } else table.push({ step: 'db outage + crash', tried: 0, failed: 0, note: `skipped: ${reason}` });

  const rssAfter = process.memoryUsage().rss;
  const tried = table.reduce((a, r) => a + r.tried, 0);
  const failed = table.reduce((a, r) => a + r.failed, 0);
  const lines = [
    '| step | tried | failed | note |',
    '|---|---:|---:|---|',
    ...table.map((r) => `| ${r.step} | ${r.tried} | ${r.failed} | ${r.note} |`),
    `| **total** | ${tried} | ${failed} | rows lost ${rowsLost}, canary hits ${canaryHits}, RSS ${mb(rssBefore)} -> ${mb(rssAfter)} MB |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

const deadline = setTimeout(() => {
  process.stderr.write('attack run exceeded 4 minutes\n');
  process.exit(2);
}, 240_000);
deadline.unref();
await main();
