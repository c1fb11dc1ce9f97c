// The log writer against a fake store that fails on command: batching, retry with backoff, spill on overflow and on a
// lasting outage, the bound on what only memory holds, replay (also by the next process), close writing what arrives
// while it runs and spilling the rest within its deadline, poison entries isolated by halving, hung writes.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { LogEntry, WriterEntry } from '../../src/request-log/store.js';
import { SpillFile } from '../../src/request-log/spill.js';
import { LogWriter, MAX_UNSAVED_ENTRIES, SPILL_CHUNK, type LogSink, type WriterOptions } from '../../src/request-log/writer.js';

/** A store with Postgres' relevant manners: a batch is one transaction, rows are keyed by id. */
class FakeStore implements LogSink {
  readonly rows = new Map<string, LogEntry>();
  /** How often each id was inserted by a successful statement (the real store ignores conflicts; counting shows retries). */
  readonly inserts = new Map<string, number>();
  calls = 0;
  down = false;
  hang = false;
  /** Each insert takes this long (a database under load). */
  delayMs = 0;
  /** Ids refused even alone while the store is up (a constraint the entry violates). */
  readonly refuse = new Set<string>();

  async insert(entries: LogEntry[]): Promise<void> {
    this.calls++;
    if (this.hang) return new Promise(() => undefined);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.down) throw new Error('Failed query: insert into "request_logs" … params: SECRET-BODY', { cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') });
    for (const e of entries) {
      if (this.refuse.has(e.request.id)) throw new Error('violates check constraint');
    }
    for (const e of entries) {
      this.rows.set(e.request.id, e);
      this.inserts.set(e.request.id, (this.inserts.get(e.request.id) ?? 0) + 1);
    }
  }

  async ping(): Promise<void> {
    if (this.hang) return new Promise(() => undefined);
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }
}

function entry(id: string, content = `answer ${id}`): LogEntry {
  const now = new Date('2026-01-02T03:04:05.000Z');
  return {
    request: { id, createdAt: now, endpoint: '/v1/chat/completions', status: 200, latencyMs: 5, content, stream: false },
    attempts: [{ id: `${id}#1`, requestId: id, attempt: 1, startedAt: now, provider: 'mock', model: 'echo', status: 200, latencyMs: 4 }],
  };
}

/** The spill file holds stored responses too; these tests spill only request entries. */
const requestId = (e: WriterEntry | undefined) => (e as LogEntry).request.id;

const dirs: string[] = [];
const writers: LogWriter[] = [];
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.close({ deadlineMs: 100 })));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spillDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-spill-'));
  dirs.push(dir);
  return dir;
}

function makeWriter(store: FakeStore, options: WriterOptions = {}) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  // A long interval: tests drive flushes themselves unless they pass a short one.
  const writer = new LogWriter(store, createLogger('info', sink), { flushIntervalMs: 60_000, maxBackoffMs: 40, ...options });
  writers.push(writer);
  return { writer, lines };
}

async function until(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const spillLines = (dir: string) => (existsSync(join(dir, 'request-log.spill.jsonl')) ? readFileSync(join(dir, 'request-log.spill.jsonl'), 'utf8').split('\n').filter(Boolean) : []);

describe('LogWriter', () => {
  it('writes in batches of batchSize', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store, { batchSize: 2 });
    for (let i = 0; i < 5; i++) writer.enqueue(entry(`r${i}`));
    await writer.flush(true);
    expect([...store.rows.keys()].sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(store.calls).toBe(3);
    expect(writer.stats).toMatchObject({ queued: 0, written: 5, degraded: false, failures: 0 });
  });

  it('under a trickle, writes a batch a tick rather than chasing each write with what arrived during it', async () => {
    const store = new FakeStore();
    store.delayMs = 5;
    const { writer } = makeWriter(store, { flushIntervalMs: 50 });
    // One connection's pace: an entry every millisecond or so, each write taking 5 ms.
    const started = Date.now();
    for (let i = 0; i < 400; i++) {
      writer.enqueue(entry(`t${i}`));
      await new Promise((r) => setTimeout(r, 1));
    }
    const ticks = Math.ceil((Date.now() - started) / 50);
    await writer.flush();
    expect(store.rows.size).toBe(400);
    // A statement a tick (and one for the final flush); chasing wrote one per write's worth of arrivals, a few rows
    // each (78 statements when this was measured).
    expect(store.calls).toBeLessThanOrEqual(ticks + 2);
    expect(writer.stats).toMatchObject({ queued: 0, written: 400 });
  });

  it('keeps entries while the store is down, backs off, and writes them once it is back', async () => {
    const store = new FakeStore();
    const { writer, lines } = makeWriter(store, { flushIntervalMs: 10 });
    store.down = true;
    for (let i = 0; i < 3; i++) writer.enqueue(entry(`d${i}`));
    await writer.flush(true);
    expect(writer.stats).toMatchObject({ queued: 3, degraded: true, failures: 1, written: 0 });
    const calls = store.calls;
    await writer.flush(); // within the backoff: no attempt
    expect(store.calls).toBe(calls);
    await until(() => writer.stats.failures >= 3); // the timer keeps retrying on its own
    store.down = false;
    await until(() => store.rows.size === 3);
    expect(writer.stats).toMatchObject({ queued: 0, degraded: false, written: 3 });
    // One warning for the whole outage, one line when it ends; the failed query's parameters (bodies) never logged.
    const text = lines.join('');
    expect(text.match(/log store unreachable/g)).toHaveLength(1);
    expect(text).toContain('ECONNREFUSED');
    expect(text).toContain('log store reachable again');
    expect(text).not.toContain('SECRET-BODY');
  });

  it('spills what does not fit in the queue and replays it, each entry once', async () => {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer } = makeWriter(store, { maxQueue: 2, spillDir: dir, batchSize: 2 });
    store.down = true;
    for (let i = 0; i < 7; i++) writer.enqueue(entry(`s${i}`));
    expect(writer.stats).toMatchObject({ queued: 2, spilled: 5, dropped: 0 });
    expect(spillLines(dir)).toHaveLength(5);
    await writer.flush(true);
    expect(writer.stats).toMatchObject({ queued: 2, spilled: 5, degraded: true });
    store.down = false;
    await writer.flush(true);
    expect([...store.rows.keys()].sort()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
    expect([...store.inserts.values()].every((n) => n === 1)).toBe(true);
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 0, written: 7, degraded: false });
    expect(spillLines(dir)).toEqual([]);
    // Replayed entries come back with real Dates (the timestamp columns need them).
    expect(store.rows.get('s4')?.request.createdAt).toBeInstanceOf(Date);
    expect(store.rows.get('s4')?.attempts[0]?.startedAt).toEqual(new Date('2026-01-02T03:04:05.000Z'));
  });

  it('without a spill folder, counts what overflows as dropped', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store, { maxQueue: 2 });
    for (let i = 0; i < 4; i++) writer.enqueue(entry(`x${i}`));
    expect(writer.stats).toMatchObject({ queued: 2, dropped: 2, spilled: 0 });
  });

  it('moves the queue to the spill file once an outage lasts longer than spillAfterMs', async () => {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer } = makeWriter(store, { spillDir: dir, spillAfterMs: 30 });
    store.down = true;
    for (let i = 0; i < 3; i++) writer.enqueue(entry(`l${i}`));
    await writer.flush(true);
    expect(writer.stats).toMatchObject({ queued: 3, spilled: 0 }); // a short blip stays in memory
    await new Promise((r) => setTimeout(r, 40));
    await writer.flush(true);
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 3, degraded: true });
    store.down = false;
    await writer.flush(true);
    expect(store.rows.size).toBe(3);
    expect(writer.stats).toMatchObject({ spilled: 0, degraded: false });
  });

  it('alternates queue and spill batches, so steady traffic does not starve the replay', async () => {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer } = makeWriter(store, { maxQueue: 2, spillDir: dir, batchSize: 1 });
    store.down = true;
    for (let i = 0; i < 4; i++) writer.enqueue(entry(`a${i}`)); // a0, a1 queued; a2, a3 spilled
    store.down = false;
    const order: string[] = [];
    const insert = store.insert.bind(store);
    store.insert = async (entries) => {
      order.push(...entries.map((e) => e.request.id));
      await insert(entries);
    };
    await writer.flush(true);
    expect(order).toEqual(['a0', 'a2', 'a1', 'a3']);
  });

  it('close() spills what the unreachable store did not take, and the next writer replays it', async () => {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer } = makeWriter(store, { spillDir: dir });
    store.down = true;
    for (let i = 0; i < 3; i++) writer.enqueue(entry(`c${i}`));
    const started = Date.now();
    await writer.close({ deadlineMs: 2_000 });
    // With a spill folder it does not sit out the deadline against a dead store.
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 3, dropped: 0 });
    // Entries finishing after close (a stream cut at the end of the grace period) go straight to the file.
    writer.enqueue(entry('late'));
    expect(spillLines(dir)).toHaveLength(4);
    // A crash mid-append leaves a torn last line: skipped, not fatal.
    appendFileSync(join(dir, 'request-log.spill.jsonl'), '{"request":{"id":"torn"');

    store.down = false;
    const next = makeWriter(store, { spillDir: dir }).writer;
    expect(next.stats.spilled).toBe(5);
    await next.flush(true);
    expect([...store.rows.keys()].sort()).toEqual(['c0', 'c1', 'c2', 'late']);
    expect(next.stats).toMatchObject({ spilled: 0, written: 4 });
    expect(spillLines(dir)).toEqual([]);
  });

  it('close() without a spill folder tries until its deadline, then counts the rest as dropped', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store);
    store.down = true;
    writer.enqueue(entry('n0'));
    const started = Date.now();
    await writer.close({ deadlineMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(store.calls).toBeGreaterThan(1);
    expect(writer.stats).toMatchObject({ queued: 0, dropped: 1 });
  });

  it('close() writes what is queued when the store is up', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store);
    for (let i = 0; i < 3; i++) writer.enqueue(entry(`u${i}`));
    await writer.close();
    expect(store.rows.size).toBe(3);
  });

  // NUL and lone surrogates no longer reach this path: the store's batch encoding makes them storable (store.test.ts).
  it('an entry the database refuses does not block the others: a hopeless one is set aside', async () => {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer, lines } = makeWriter(store, { spillDir: dir });
    store.refuse.add('bad');
    writer.enqueue(entry('p0'));
    writer.enqueue(entry('nul'));
    writer.enqueue(entry('bad'));
    writer.enqueue(entry('p1'));
    await writer.flush(true);
    expect([...store.rows.keys()].sort()).toEqual(['nul', 'p0', 'p1']);
    expect(writer.stats).toMatchObject({ queued: 0, written: 3, rejected: 1, dropped: 1, degraded: false });
    expect(readFileSync(join(dir, 'request-log.rejected.jsonl'), 'utf8')).toContain('"id":"bad"');
    expect(lines.join('')).toContain('"requestId":"bad"');
    // Set aside, not replayed: later writes are unaffected.
    writer.enqueue(entry('p2'));
    await writer.flush(true);
    expect(store.rows.has('p2')).toBe(true);
  });

  it('a write that hangs counts as a failure after writeTimeoutMs', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store, { writeTimeoutMs: 30 });
    store.hang = true;
    writer.enqueue(entry('h0'));
    const started = Date.now();
    await writer.flush(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(writer.stats).toMatchObject({ queued: 1, degraded: true });
    store.hang = false;
    await writer.flush(true);
    expect(store.rows.has('h0')).toBe(true);
  });
});

describe('LogWriter: what a crash can lose', () => {
  /** A writer with a spill folder that has just found its store down. */
  async function failedOnce(spillAfterMs: number) {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer } = makeWriter(store, { spillDir: dir, spillAfterMs });
    store.down = true;
    writer.enqueue(entry('first'));
    await writer.flush(true);
    expect(writer.stats.degraded).toBe(true);
    return { store, writer, dir };
  }

  /** Enqueues `count` entries, checking after each that memory holds at most `max`; then that none was lost. */
  function enqueueHolding(writer: LogWriter, count: number, max: number) {
    for (let i = 0; i < count; i++) {
      writer.enqueue(entry(`held${i}`));
      expect(writer.stats.queued).toBeLessThanOrEqual(max);
    }
    expect(writer.stats.queued + writer.stats.spilled).toBe(count + 1);
  }

  it('once the store is known to be down, never holds more than MAX_UNSAVED_ENTRIES in memory', async () => {
    const { writer, dir } = await failedOnce(60_000);
    enqueueHolding(writer, 2_500, MAX_UNSAVED_ENTRIES);
    expect(writer.stats.dropped).toBe(0);
    expect(spillLines(dir)).toHaveLength(writer.stats.spilled);
  });

  it('once an outage has lasted spillAfterMs, holds at most SPILL_CHUNK entries in memory', async () => {
    const { store, writer } = await failedOnce(0);
    enqueueHolding(writer, 500, SPILL_CHUNK);
    store.down = false;
    await writer.flush(true);
    expect(store.rows.size).toBe(501);
    // Reachable again: bursts stay in memory up to the full bound.
    for (let i = 0; i < 500; i++) writer.enqueue(entry(`r${i}`));
    expect(writer.stats.spilled).toBe(0);
  });

  it('a write that hangs counts as a stall after stallMs: the next tick moves what is beyond the bound to the file', async () => {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer } = makeWriter(store, { spillDir: dir, stallMs: 50, flushIntervalMs: 10 });
    store.hang = true;
    for (let i = 0; i < 1_500; i++) writer.enqueue(entry(`w${i}`));
    await until(() => writer.stats.queued <= MAX_UNSAVED_ENTRIES);
    expect(writer.stats.queued + writer.stats.spilled).toBe(1_500);
    expect(writer.stats.degraded).toBe(false); // the writer still waits on the hung write
  });

  it('while the store keeps taking batches, a burst beyond the bound stays in memory (spilling it would cost more)', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store, { spillDir: spillDir() });
    for (let i = 0; i < 1_500; i++) writer.enqueue(entry(`b${i}`));
    await writer.flush(true);
    expect(store.rows.size).toBe(1_500);
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 0, written: 1_500 });
  });
});

describe('LogWriter: a refused batch', () => {
  it('stores everything else in a few statements: one refused entry among 200 costs at most 17, not 200', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store, { spillDir: spillDir(), batchSize: 200 });
    store.refuse.add('q137');
    for (let i = 0; i < 200; i++) writer.enqueue(entry(`q${i}`));
    await writer.flush(true);
    expect(store.rows.size).toBe(199);
    expect(store.rows.has('q137')).toBe(false);
    // The whole batch, then both halves at each level of the search, ⌈log2 200⌉ = 8 levels at most.
    expect(store.calls).toBeLessThanOrEqual(17);
    expect(writer.stats).toMatchObject({ written: 199, rejected: 1, queued: 0, spilled: 0, degraded: false });
  });

  it('with several refused entries, sets aside exactly those and stores the rest once each', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store, { spillDir: spillDir(), batchSize: 200 });
    for (const id of ['q0', 'q1', 'q99', 'q100', 'q199']) store.refuse.add(id);
    for (let i = 0; i < 200; i++) writer.enqueue(entry(`q${i}`));
    await writer.flush(true);
    expect(store.rows.size).toBe(195);
    expect([...store.inserts.values()].every((n) => n === 1)).toBe(true);
    expect(store.calls).toBeLessThan(60);
    expect(writer.stats).toMatchObject({ written: 195, rejected: 5 });
  });

  it('an outage in the middle of the search keeps the batch for a retry, and nothing is duplicated', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store, { spillDir: spillDir(), batchSize: 8 });
    store.refuse.add('m5');
    const insert = store.insert.bind(store);
    let calls = 0;
    store.insert = async (entries) => {
      if (++calls === 3) store.down = true; // the second half of the first split meets the outage
      return insert(entries);
    };
    for (let i = 0; i < 8; i++) writer.enqueue(entry(`m${i}`));
    await writer.flush(true);
    expect(writer.stats).toMatchObject({ queued: 8, degraded: true });
    store.down = false;
    await writer.flush(true);
    // Rows are keyed by id: the halves stored before the outage are stored again, not twice.
    expect([...store.rows.keys()].sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm6', 'm7']);
    expect(writer.stats).toMatchObject({ queued: 0, degraded: false, rejected: 1 });
  });
});

describe('LogWriter.close', () => {
  it.each([
    ['with a spill folder', true],
    ['without one', false],
  ])('writes entries enqueued while it runs (streams ended by the shutdown) to the store, %s', async (_, withSpill) => {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer } = makeWriter(store, withSpill ? { spillDir: dir } : {});
    store.delayMs = 30;
    for (let i = 0; i < 3; i++) writer.enqueue(entry(`e${i}`));
    const closing = writer.close({ deadlineMs: 2_000 });
    await new Promise((r) => setTimeout(r, 10)); // the first write is in flight
    for (let i = 0; i < 3; i++) writer.enqueue(entry(`shutdown${i}`));
    await closing;
    expect([...store.rows.keys()].sort()).toEqual(['e0', 'e1', 'e2', 'shutdown0', 'shutdown1', 'shutdown2']);
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 0, written: 6, dropped: 0 });
    expect(spillLines(dir)).toEqual([]);
  });

  it('leaves the spill file for the next start and writes the queue first', async () => {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer } = makeWriter(store, { spillDir: dir, maxQueue: 2 });
    store.down = true;
    for (let i = 0; i < 4; i++) writer.enqueue(entry(`k${i}`)); // k0, k1 queued; k2, k3 spilled
    store.down = false;
    await writer.close({ deadlineMs: 2_000 });
    expect([...store.rows.keys()].sort()).toEqual(['k0', 'k1']);
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 2 });
  });

  it('returns by its deadline when a write hangs, with the queue in the spill file', async () => {
    const store = new FakeStore();
    const dir = spillDir();
    const { writer } = makeWriter(store, { spillDir: dir, writeTimeoutMs: 30_000 });
    for (let i = 0; i < 3; i++) writer.enqueue(entry(`g${i}`));
    store.hang = true;
    const started = Date.now();
    await writer.close({ deadlineMs: 200 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 3, dropped: 0 });
    writer.enqueue(entry('after'));
    expect(spillLines(dir)).toHaveLength(4);
  });

  it('called twice, both calls wait for the same flush', async () => {
    const store = new FakeStore();
    const { writer } = makeWriter(store);
    store.delayMs = 30;
    writer.enqueue(entry('t0'));
    await Promise.all([writer.close(), writer.close()]);
    expect(store.rows.has('t0')).toBe(true);
    expect(store.calls).toBe(1);
  });
});

describe('SpillFile', () => {
  it('reads from an offset without loading the file, and compacts a large replayed head', () => {
    const dir = spillDir();
    const spill = new SpillFile(dir);
    const big = 'x'.repeat(1024 * 1024);
    spill.append(Array.from({ length: 20 }, (_, i) => entry(`b${i}`, big)));
    expect(spill.count()).toBe(20);
    const seen: string[] = [];
    for (let i = 0; i < 17; i++) {
      const [e] = spill.peek(1);
      seen.push(requestId(e));
      spill.consume();
    }
    expect(seen).toEqual(Array.from({ length: 17 }, (_, i) => `b${i}`));
    // More than 16 MiB replayed and over half the file: rewritten to just the tail.
    expect(statSync(spill.path).size).toBeLessThan(5 * 1024 * 1024);
    expect(spill.count()).toBe(3);
    expect(spill.peek(10).map(requestId)).toEqual(['b17', 'b18', 'b19']);
    spill.consume();
    expect(spill.count()).toBe(0);
    expect(statSync(spill.path).size).toBe(0);
  });
});
