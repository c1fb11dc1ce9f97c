// The log store on the database in use (PGlite; the Postgres server too when DATABASE_URL is set): bodies kept as
// JSON text reach the jsonb columns as the objects they were, a batch is one all-or-nothing statement that a retry
// cannot duplicate, NUL and lone surrogates never cost a batch, a refused entry costs a few statements, and spill
// lines round-trip (and replay lines spilled before bodies were kept as text).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { makeRedactor } from '../../src/redact.js';
import { openLogDatabase } from '../../src/request-log/db.js';
import { toLogEntry, type ExchangeRecord } from '../../src/request-log/entry.js';
import { isoTimestamp } from '../../src/request-log/rows.js';
import { SpillFile } from '../../src/request-log/spill.js';
import { LogStore, type LogEntry } from '../../src/request-log/store.js';
import { LogWriter, type LogSink } from '../../src/request-log/writer.js';
import type { ChatRequest } from '../../src/schemas/chat-request.js';

const SECRET = 'sk-store-test-secret-7c1d9e';
const redact = makeRedactor([SECRET]);
const TRICKY = 'naïve café ☕ 🦄 中文 "quoted" \\back\\slash\n\ttab </script> \u2028 \u0001 é';

let store: LogStore;
const dirs: string[] = [];

beforeAll(async () => {
  const template = process.env.DATABASE_URL ? undefined : new Blob([await readFile(inject('pgliteTemplatePath'))]);
  store = new LogStore(await openLogDatabase({ databaseUrl: process.env.DATABASE_URL, pgliteDir: 'memory://', pgliteTemplate: template }));
});

afterAll(async () => {
  await store?.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function record(content = TRICKY): ExchangeRecord {
  const startedAt = new Date(Date.now() - 1234);
  const request: ChatRequest = {
    model: 'openai/gpt-4o-mini',
    messages: [
      { role: 'system', content: 'be "nice"' },
      { role: 'user', content: `${content} my key is ${SECRET}` },
    ],
    temperature: 0.1,
    max_tokens: 1e6,
    x_passthrough: { nested: [1, -2.5, true, null, { 'key with "quotes"': 'v' }] },
  };
  return {
    requestId: `store-${crypto.randomUUID()}`,
    startedAt,
    endpoint: '/v1/chat/completions',
    request,
    stream: false,
    provider: 'openai',
    model: 'gpt-4o-mini',
    status: 200,
    finishReason: 'tool_calls',
    content,
    toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: `{"q":"${content.length}","k":"${SECRET}"}` } }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    latencyMs: 12.6,
    attempts: [
      { provider: 'openai', model: 'gpt-4o-mini', startedAt, latencyMs: 5.2, status: 500, error: `upstream said ${SECRET}` },
      { provider: 'openai', model: 'gpt-4o-mini', startedAt: new Date(startedAt.getTime() + 999), latencyMs: 6.1, status: 200 },
    ],
  };
}

/** What the request body must read back as: the request with the secret redacted, nothing else changed. */
const expectedBody = (r: ExchangeRecord) => JSON.parse(JSON.stringify(r.request).replaceAll(SECRET, '[REDACTED]')) as unknown;

/** Raw query rows: PGlite and pg both answer with { rows }. */
async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await store.database.db.execute(query)) as unknown as { rows: T[] }).rows;
}

async function count(table: 'request_logs' | 'upstream_attempts', id: string): Promise<number> {
  const column = sql.identifier(table === 'request_logs' ? 'id' : 'request_id');
  const [row] = await rows<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)} where ${column} = ${id}`);
  return row?.n ?? -1;
}

describe(`log store (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('stores bodies with unicode, quotes and escapes as jsonb objects, exactly, with secrets redacted', async () => {
    const r = record();
    const entry = toLogEntry(r, true, redact);
    await store.insert([entry]);
    const { request, attempts } = await store.byId(r.requestId);
    expect(request?.requestBody).toEqual(expectedBody(r));
    expect(request?.toolCalls).toEqual(JSON.parse(JSON.stringify(r.toolCalls).replaceAll(SECRET, '[REDACTED]')));
    expect(request).toMatchObject({ content: TRICKY, question: `${TRICKY} my key is [REDACTED]`, totalTokens: 7, latencyMs: 13, attempts: 2 });
    expect(request?.createdAt.toISOString()).toBe(r.startedAt.toISOString());
    expect(attempts.map((a) => [a.attempt, a.status, a.error, a.startedAt.toISOString()])).toEqual([
      [1, 500, 'upstream said [REDACTED]', r.attempts[0]!.startedAt.toISOString()],
      [2, 200, null, r.attempts[1]!.startedAt.toISOString()],
    ]);
    const types = await rows(sql`select jsonb_typeof(request_body) as body, jsonb_typeof(tool_calls) as tools from request_logs where id = ${entry.request.id}`);
    expect(types).toEqual([{ body: 'object', tools: 'array' }]);
  });

  it('writes a batch once however often it is retried, partly or whole', async () => {
    const entries = [record(), record('second'), record('third')].map((r) => toLogEntry(r, true, redact));
    await store.insert(entries.slice(0, 2));
    await store.insert(entries);
    await store.insert(entries.slice(1));
    for (const e of entries) {
      expect(await count('request_logs', e.request.id)).toBe(1);
      expect(await count('upstream_attempts', e.request.id)).toBe(2);
    }
  });

  it('a batch the database refuses leaves no row behind, in either table', async () => {
    const good = toLogEntry(record('fine'), true, redact);
    // Out of the integer columns' range: nothing the batch encoding can make storable (NUL no longer is refused).
    const badRequest = toLogEntry(record('too slow'), true, redact);
    badRequest.request.latencyMs = 2 ** 40;
    const badAttempt = toLogEntry(record('fine too'), true, redact);
    badAttempt.attempts[1]!.status = 2 ** 40;
    for (const bad of [badRequest, badAttempt]) {
      await expect(store.insert([good, bad])).rejects.toThrow();
      for (const id of [good.request.id, bad.request.id]) {
        expect(await count('request_logs', id)).toBe(0);
        expect(await count('upstream_attempts', id)).toBe(0);
      }
    }
  });

  it('NUL is stripped from the text and the body, and the six characters \\u0000 a user typed stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-store-'));
    dirs.push(dir);
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    const writer = new LogWriter(store, createLogger('info', sink), { flushIntervalMs: 60_000, spillDir: dir });
    // A NUL goes; the six characters \u0000 that a user typed (a backslash, then u0000) stay.
    const r = record('a\u0000b \\u0000 typed');
    writer.enqueue(toLogEntry(r, true, redact));
    await writer.flush(true);
    await writer.close({ deadlineMs: 1_000 });
    expect(writer.stats).toMatchObject({ written: 1, rejected: 0 });
    const { request } = await store.byId(r.requestId);
    expect(request?.content).toBe('ab \\u0000 typed');
    expect(request?.requestBody).toEqual(expectedBody(record('ab \\u0000 typed')));
  });
  it('stores a batch whole when every text and json column holds lone surrogates and NUL, each replaced by U+FFFD', async () => {
    const odd = 'a\ud800b\udfffc\u0000d \udc00\ud800 🦄 \\ud800 typed x\ud83d';
    const stored = 'a\ufffdb\ufffdcd \ufffd\ufffd 🦄 \\ud800 typed x\ufffd';
    const weird = oddEntry(odd);
    const neighbours = [toLogEntry(record('before'), true, redact), toLogEntry(record('after'), true, redact)];
    await store.insert([neighbours[0]!, weird, neighbours[1]!]);
    for (const e of [...neighbours, weird]) expect(await count('request_logs', e.request.id)).toBe(1);
    const [row] = await rows<Record<string, unknown>>(sql`select * from request_logs where id = ${weird.request.id}`);
    for (const column of TEXT_COLUMNS) expect(row?.[column], column).toBe(stored);
    const body = { messages: [{ role: 'user', content: stored }], [stored]: [stored] };
    expect(row?.request_body).toEqual(body);
    expect(row?.tool_calls).toEqual([body]);
    const [attempt] = await rows<Record<string, unknown>>(sql`select * from upstream_attempts where request_id = ${weird.request.id}`);
    expect([attempt?.provider, attempt?.model, attempt?.error, attempt?.error_code]).toEqual([stored, stored, stored, stored]);
  });

  it('a writer with one request in ten holding a lone surrogate needs no more statements than a clean one', async () => {
    const sink = countingSink();
    const writer = new LogWriter(sink, createLogger('info', new Writable({ write: (_c, _e, done) => done() })), { flushIntervalMs: 60_000, spillDir: tempDir() });
    const prefix = `mixed-${crypto.randomUUID()}`;
    const entries = Array.from({ length: 1_000 }, (_, i) =>
      toLogEntry({ ...record(i % 10 === 0 ? `bad \ud800 row ${i}` : `clean row ${i}`), requestId: `${prefix}-${i}` }, true, redact),
    );
    for (const e of entries) writer.enqueue(e);
    await writer.close({ deadlineMs: 10_000 });
    // 1,000 entries in batches of 200: five statements, as without the bad rows; nothing refused, nothing spilled.
    expect(sink.statements).toBe(5);
    expect(writer.stats).toMatchObject({ written: 1_000, rejected: 0, spilled: 0, dropped: 0 });
    const [stored] = await rows<{ n: number }>(sql`select count(*)::int as n from request_logs where x_request_id like ${`${prefix}-%`}`);
    expect(stored?.n).toBe(1_000);
  });

  it('an entry the database still refuses is found in a few statements, and the rest of its batch is stored', async () => {
    const sink = countingSink();
    const writer = new LogWriter(sink, createLogger('info', new Writable({ write: (_c, _e, done) => done() })), { flushIntervalMs: 60_000, spillDir: tempDir() });
    const entries = Array.from({ length: 200 }, (_, i) => toLogEntry(record(`row ${i}`), true, redact));
    entries[17]!.request.latencyMs = 2 ** 40;
    entries[160]!.request.latencyMs = 2 ** 40;
    for (const e of entries) writer.enqueue(e);
    await writer.close({ deadlineMs: 10_000 });
    expect(writer.stats).toMatchObject({ written: 198, rejected: 2, spilled: 0 });
    // Row at a time would be 201 statements; halving finds two bad entries in at most 1 + 2·2·8.
    expect(sink.statements).toBeLessThanOrEqual(33);
    const ids = sql.join(entries.map((e) => sql`${e.request.id}`), sql`, `);
    const found = await rows<{ id: string }>(sql`select id from request_logs where id in (${ids})`);
    expect(found.map((r) => r.id).sort()).toEqual(entries.filter((_, i) => i !== 17 && i !== 160).map((e) => e.request.id).sort());
  });
});

/** request_logs' text columns but the primary key (ids must stay what the attempts point at). */
const TEXT_COLUMNS = ['x_request_id', 'key_id', 'endpoint', 'requested_model', 'session_id', 'user_id', 'question', 'provider', 'model', 'finish_reason', 'content', 'error', 'error_code'];

/** An entry with `text` in every text column but the ids, and in keys and values of both json columns. */
function oddEntry(text: string): LogEntry {
  const id = crypto.randomUUID();
  const startedAt = new Date();
  const body = JSON.stringify({ messages: [{ role: 'user', content: text }], [text]: [text] });
  return {
    request: {
      id, xRequestId: text, createdAt: startedAt, keyId: text, endpoint: text, requestedModel: text, stream: false, sessionId: text, userId: text,
      question: text, requestBodyJson: body, provider: text, model: text, status: 200, finishReason: text, content: text, toolCallsJson: `[${body}]`,
      latencyMs: 3, attempts: 1, partial: false, error: text, errorCode: text,
    },
    attempts: [{ id: `${id}#1`, requestId: id, attempt: 1, startedAt, provider: text, model: text, status: 200, latencyMs: 2, error: text, errorCode: text }],
  };
}

/** The real store, counting the statements the writer sends it. */
function countingSink(): LogSink & { statements: number } {
  return {
    statements: 0,
    insert(entries: LogEntry[]) {
      this.statements++;
      return store.insert(entries);
    },
    ping: () => store.ping(),
  };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-store-'));
  dirs.push(dir);
  return dir;
}

describe('spill lines', () => {
  function spill(): SpillFile {
    const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-spill-format-'));
    dirs.push(dir);
    return new SpillFile(dir);
  }

  it('hold bodies as JSON values and give back the entry they were written from', () => {
    const file = spill();
    const entries = [toLogEntry(record(), true, redact), toLogEntry({ ...record(), request: undefined, toolCalls: undefined }, true, redact)];
    file.append(entries);
    const [line] = readFileSync(file.path, 'utf8').split('\n');
    const parsed = JSON.parse(line!) as { request: { requestBody: unknown; toolCalls: unknown } };
    expect(parsed.request.requestBody).toEqual(JSON.parse(entries[0]!.request.requestBodyJson!));
    expect(Array.isArray(parsed.request.toolCalls)).toBe(true);
    expect(file.peek(10)).toEqual(entries);
  });

  it('replays lines spilled by the version that kept bodies as objects, into the same rows', async () => {
    const r = record();
    const entry = toLogEntry(r, true, redact);
    const { requestBodyJson, toolCallsJson, ...rest } = entry.request;
    const old = { request: { ...rest, requestBody: JSON.parse(requestBodyJson!) as unknown, toolCalls: JSON.parse(toolCallsJson!) as unknown }, attempts: entry.attempts };
    const file = spill();
    writeFileSync(file.path, `${JSON.stringify(old)}\n`);
    const [replayed] = new SpillFile(join(file.path, '..')).peek(1);
    expect(replayed).toEqual(entry);
    await store.insert([replayed!]);
    const { request } = await store.byId(r.requestId);
    expect(request?.requestBody).toEqual(expectedBody(r));
  });
});

describe('isoTimestamp', () => {
  it('formats exactly as Date.toJSON, invalid dates and far years included', () => {
    const base = Date.UTC(2026, 0, 2, 3, 4, 5);
    const times = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 59_999, 86_400_000 - 1].map((d) => base + d);
    times.push(-1, -999, -1000, -1001, 0, 253402300799999, 253402300800000, -62167219200001, 8.64e15, -8.64e15);
    for (const ms of [...times, ...[...times].reverse()]) expect(isoTimestamp(new Date(ms))).toBe(new Date(ms).toJSON());
    expect(isoTimestamp(new Date(Number.NaN))).toBeNull();
  });
});
