// `npm run attack`: the hardening attack run against real gateways on loopback, bounded in count and time (under
// 3 min on a quiet machine), printing one table (cases tried and failed, rows lost against the README's bound,
// canary hits, RSS before and after) and the elapsed time.
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { MAX_UNSAVED_ENTRIES } from '../../src/request-log/writer.js';
import { MAX_DEPLOYMENTS } from '../../src/routing/health.js';
import { startFakeAnthropic } from '../../test/fakes/anthropic-upstream.js';
import { FakeGeminiUpstream } from '../../test/fakes/gemini-upstream.js';
import { startFakeOpenAI } from '../../test/fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import { findPgBin } from '../../test/helpers/pg-cluster.js';
import { runLogCrash } from '../../test/reliability/log-crash.js';
import { AUTH_TRICKS, BAD_INPUTS } from './cases.js';
import { inlinedPng, isGenericRefusal, startSsrfTargets } from './ssrf.js';

const startedAt = Date.now();

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CANARY = `sk-canary-${crypto.randomUUID()}`;
/** Every chat goes to the fake OpenAI (which holds the canary key); the mock provider would swallow them all. */
const MODEL = 'openai/gpt-4o-mini';
const GATEWAY_KEY = `gw-attack-${crypto.randomUUID()}`;
interface Row { step: string; tried: number; failed: number; note: string }
const table: Row[] = [];
const bodies: string[] = [];
const ids: string[] = [];

/** Each step's row goes to stderr as it ends, so a run cut by the deadline still shows where the time went. */
async function step(name: string, run: () => Promise<{ tried: number; failed: number; note?: string }>): Promise<void> {
  const started = Date.now();
  // This process's CPU time: what the step costs on a quiet machine, whatever the load on this one.
  const cpu = process.cpuUsage();
  let row: Row;
  try {
    const r = await run();
    const used = process.cpuUsage(cpu);
    row = { step: name, tried: r.tried, failed: r.failed, note: `${r.note ?? ''} ${Date.now() - started} ms (cpu ${Math.round((used.user + used.system) / 1000)} ms)`.trim() };
  } catch (err) {
    row = { step: name, tried: 1, failed: 1, note: `threw: ${(err as Error).message.slice(0, 80)}` };
  }
  table.push(row);
  process.stderr.write(`attack: ${row.step}: tried ${row.tried}, failed ${row.failed}, ${row.note}\n`);
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
  const gemini = await FakeGeminiUpstream.start({ apiKey: CANARY });
  const ssrf = await startSsrfTargets();
  const gw = await startGateway({
    env: {
      DATABASE_URL,
      GATEWAY_API_KEYS: GATEWAY_KEY,
      OPENAI_API_KEY: CANARY,
      OPENAI_BASE_URL: openai.baseUrl,
      ANTHROPIC_API_KEY: CANARY,
      ANTHROPIC_BASE_URL: anthropic.baseUrl,
      GEMINI_API_KEY: CANARY,
      GEMINI_BASE_URL: gemini.baseUrl,
      LOG_LEVEL: 'debug',
    },
    fetchImage: ssrf.fetchImage,
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

  await step('SSRF address forms (Gemini inlines images)', async () => {
    const ask = (url: string) =>
      send(gw, '/v1/chat/completions', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url } }] }] }),
      });
    let failed = 0;
    const cases = ssrf.cases();
    for (const c of cases) {
      const r = await ask(c.url);
      if (!isGenericRefusal(r.status, r.text)) {
        failed++;
        process.stderr.write(`ssrf ${c.name}: ${r.status} ${r.text.slice(0, 200)}\n`);
      }
    }
    const hits = ssrf.connections();
    // The control: the allowed host's image is fetched and reaches the upstream inlined, so the refusals above are the guard's.
    const seen = gemini.requests.length;
    const control = await ask(ssrf.controlUrl);
    const inlined = control.status === 200 && gemini.requests.slice(seen).some((r) => inlinedPng(r.body));
    if (!inlined) process.stderr.write(`ssrf control: ${control.status} ${control.text.slice(0, 200)}\n`);
    return { tried: cases.length + 1, failed: failed + hits + (inlined ? 0 : 1), note: `listener connections ${hits}, control image inlined: ${inlined}` };
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
    // headersTimeoutMs (2 s above) plus Node's check interval (a quarter of it) plus a margin for a loaded machine.
    await new Promise((r) => setTimeout(r, 4_000));
    const open = sockets.filter((s) => !s.destroyed && !s.readableEnded).length;
    for (const s of sockets) s.destroy();
    return { tried: sockets.length + 1, failed: open + (served.status === 200 ? 0 : 1), note: `still open after 4 s: ${open}` };
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
  await gemini.close();
  await ssrf.close();

  const rssModelsBefore = process.memoryUsage().rss;
  // Its own gateway in mock mode: every distinct name is routed (to the mock), so per-model state would grow.
  const mockGw = await startGateway({ env: { DATABASE_URL, MOCK_MODE: 'true', MOCK_DELAY_MS: '0' } });
  // 20 times the largest per-model bound (MAX_DEPLOYMENTS breakers; labels stop at 50 per provider): an unbounded
  // structure grows with every name past it, so more names prove nothing more (the unit test, bounded-state, runs 60,000).
  const names = Number(process.env.ATTACK_MODEL_NAMES) || (process.env.ATTACK_QUICK ? 2_000 : 20 * MAX_DEPLOYMENTS);
  await step(`${names.toLocaleString('en')} model names`, async () => {
    let failed = 0;
    for (let i = 0; i < names; i += 200) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(200, names - i) }, (_, j) => mockGw.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { ...auth, 'content-type': 'application/json' }, payload: { model: `mock/attack-${i + j}`, messages: [{ role: 'user', content: 'x' }] } })),
      );
      failed += batch.filter((r) => r.statusCode >= 500).length;
    }
    // The state itself, not only the RSS (which the allocator may keep either way): breakers and the scrape stay small.
    const breakers = mockGw.services.health.size;
    const scrape = (await mockGw.app.inject({ method: 'GET', url: '/metrics' })).body.length;
    failed += (breakers > MAX_DEPLOYMENTS ? 1 : 0) + (scrape > 400_000 ? 1 : 0);
    return { tried: names, failed, note: `breakers ${breakers} (max ${MAX_DEPLOYMENTS}), /metrics ${Math.round(scrape / 1024)} KB, RSS ${mb(rssModelsBefore)} -> ${mb(process.memoryUsage().rss)} MB` };
  });

  await mockGw.close();

  let rowsLost: number | string = 'n/a';
  // README (Stopping, and when Postgres is down): a crash or kill -9 during an outage loses at most 1,000 log rows.
  const lossBound = MAX_UNSAVED_ENTRIES;
  const { bin, reason } = findPgBin();
  if (bin && !process.env.ATTACK_QUICK) {
    await step('db outage + crash', async () => {
      // More answers during the outage than the bound: a writer keeping them all in memory would lose more than it.
      const run = await runLogCrash({ bin, before: 100, during: lossBound + 300 });
      rowsLost = run.lost;
      const overBound = run.lost > lossBound ? 1 : 0;
      return { tried: run.answeredBefore + run.answeredDuring, failed: run.duplicated + overBound, note: `lost ${run.lost} (bound ${lossBound}), duplicated ${run.duplicated}, exit ${run.exit}` };
    });
  } else table.push({ step: 'db outage + crash', tried: 0, failed: 0, note: `skipped: ${process.env.ATTACK_QUICK ? 'ATTACK_QUICK' : reason}` });

  const rssAfter = process.memoryUsage().rss;
  const tried = table.reduce((a, r) => a + r.tried, 0);
  const failed = table.reduce((a, r) => a + r.failed, 0);
  const lines = [
    '| step | tried | failed | note |',
    '|---|---:|---:|---|',
    ...table.map((r) => `| ${r.step} | ${r.tried} | ${r.failed} | ${r.note} |`),
    `| **total** | ${tried} | ${failed} | rows lost ${rowsLost} (bound ${lossBound}), canary hits ${canaryHits}, RSS ${mb(rssBefore)} -> ${mb(rssAfter)} MB |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(`elapsed ${((Date.now() - startedAt) / 1000).toFixed(1)} s, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

// Under 3 min on a quiet machine; the guard leaves room for a loaded one (other test runs on two cores).
const deadline = setTimeout(() => {
  process.stderr.write('attack run exceeded 6 minutes\n');
  process.exit(2);
}, 360_000);
deadline.unref();
await main();
