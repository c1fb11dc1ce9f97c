// The async batched log writer: requests never wait for Postgres. Entries queue in memory (bounded), go out as
// multi-row inserts, are retried with backoff while the database is down, and spill to a local file when the queue
// is full or the outage lasts; the file is replayed once the database is back. Inserts are idempotent (primary keys,
// ON CONFLICT DO NOTHING), so a replay or a timed-out write that did land never duplicates rows.
import type { Logger } from 'pino';
import { revive, SpillFile, toLine, type SpilledEntry } from './spill.js';
import type { LogEntry } from './store.js';

/** What the writer needs from the store (the LogStore, or a fake in tests). */
export interface LogSink {
  insert(entries: LogEntry[]): Promise<void>;
  ping(): Promise<void>;
}

export interface WriterOptions {
  batchSize?: number;
  flushIntervalMs?: number;
  /** Entries held in memory; beyond this they spill to disk (or are dropped without a spill folder). */
  maxQueue?: number;
  spillDir?: string;
  /** Spill file size beyond which new entries are dropped rather than filling the disk. */
  maxSpillBytes?: number;
  maxBackoffMs?: number;
  /** Once the store has been unreachable this long, what is queued moves to the spill file too (a crash loses nothing). */
  spillAfterMs?: number;
  /** A write (or ping) taking longer counts as failed: a hung connection must not stall the writer. */
  writeTimeoutMs?: number;
}

export interface WriterStats {
  queued: number;
  spilled: number;
  written: number;
  /** Entries lost: queue full without a spill folder, spill file full, or rejected by the database. */
  dropped: number;
  /** Entries the database refused even alone (kept in the rejected file when there is a spill folder). */
  rejected: number;
  failures: number;
  /** True while the last write failed: the store is unreachable. */
  degraded: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class WriteTimeout extends Error {
  constructor(ms: number) {
    super(`log store did not answer within ${ms} ms`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WriteTimeout(ms)), ms);
  });
  promise.catch(() => undefined); // a write that fails after its timeout must not become an unhandled rejection
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The innermost cause, shortened: drizzle's own message carries the whole failed query with every parameter (the
 * logged bodies), which must not land in the process log.
 */
function reason(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 4; depth++) {
    const cause = (current as { cause?: unknown } | undefined)?.cause;
    if (!(cause instanceof Error)) break;
    current = cause;
  }
  const message = current instanceof Error ? current.message : String(current);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/**
 * Postgres text and jsonb cannot hold U+0000; a model or client that sends one must not poison the log. A spill line
 * holds the bodies as JSON values, so every NUL in it, body or not, is the same `\u0000` escape.
 */
function withoutNul(entry: LogEntry): LogEntry {
  return revive(JSON.parse(stripNulEscapes(toLine(entry))) as SpilledEntry);
}

/**
 * Drops the `\u0000` escapes of JSON text, and only those: after an odd number of backslashes the six characters
 * are text a user wrote (`\\u0000` in JSON), which must survive.
 */
export function stripNulEscapes(json: string): string {
  return json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1');
}

export class LogWriter {
  private queue: LogEntry[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private backoffMs = 0;
  private nextAttemptAt = 0;
  private degradedSince: number | undefined;
  private closed = false;
  /** Set by close(): drain() starts no new batch after this time. */
  private stopAt = Number.POSITIVE_INFINITY;
  private readonly spill: SpillFile | undefined;
  private readonly counts = { written: 0, dropped: 0, rejected: 0, failures: 0 };

  constructor(
    private readonly store: LogSink,
    private readonly log: Logger,
    private readonly options: WriterOptions = {},
  ) {
    this.spill = options.spillDir ? new SpillFile(options.spillDir) : undefined;
    if (this.spill && this.spill.count() > 0) this.log.info({ spilled: this.spill.count(), file: this.spill.path }, 'replaying spilled log entries');
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 100);
    this.timer.unref();
  }

  get stats(): WriterStats {
    return { queued: this.queue.length, spilled: this.spill?.count() ?? 0, ...this.counts, degraded: this.degradedSince !== undefined };
  }

  enqueue(entry: LogEntry): void {
    // After close() nobody would write the queue again: straight to the spill file.
    if (this.closed || this.queue.length >= (this.options.maxQueue ?? 10_000)) {
      this.toSpill([entry]);
      return;
    }
    this.queue.push(entry);
    if (this.queue.length >= this.batchSize && !this.flushing) void this.flush();
  }

  /** Writes what is queued (and spilled) now, unless a backoff after a failure is still running. Never rejects. */
  flush(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!force && Date.now() < this.nextAttemptAt) return Promise.resolve();
    this.flushing = this.drain()
      .catch((err: unknown) => this.log.error({ err: reason(err) }, 'log writer failed'))
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 200;
  }

  private async drain(): Promise<void> {
    // Alternate queue and spill batches while both hold entries, so steady traffic cannot starve the replay.
    let spillTurn = false;
    for (;;) {
      const spillPending = (this.spill?.count() ?? 0) > 0;
      if ((this.queue.length === 0 && !spillPending) || Date.now() >= this.stopAt) return;
      const fromSpill: boolean = spillPending && (this.queue.length === 0 || spillTurn);
      spillTurn = !fromSpill;
      const batch = fromSpill ? this.spill!.peek(this.batchSize) : this.queue.slice(0, this.batchSize);
      if (batch.length > 0 && !(await this.write(batch))) return;
      // Only drain() takes from the head of the queue or the spill file, and enqueue() only appends.
      if (fromSpill) this.spill!.consume();
      else this.queue.splice(0, batch.length);
    }
  }

  /** True when the batch is stored (or its unstorable entries set aside); false when the store is unreachable. */
  private async write(batch: LogEntry[]): Promise<boolean> {
    const timeoutMs = this.options.writeTimeoutMs ?? 10_000;
    let rejected = 0;
    try {
      await withTimeout(this.store.insert(batch), timeoutMs);
    } catch (err) {
      if (!(await this.reachable())) return this.onFailure(err);
      // The database answers but refused the batch: find the entries it cannot take, one by one.
      for (const entry of batch) {
        const failure = await this.insertAlone(entry, timeoutMs);
        if (failure === undefined) continue;
        if (!(await this.reachable())) return this.onFailure(failure);
        rejected++;
        this.counts.rejected++;
        this.counts.dropped++;
        this.log.error({ requestId: entry.request.xRequestId ?? entry.request.id, err: reason(failure) }, 'log store rejected an entry; set aside');
        try {
          this.spill?.reject(entry);
        } catch {
          // Nothing more to do with it; it is counted as dropped.
        }
      }
    }
    this.counts.written += batch.length - rejected;
    this.onSuccess(batch.length - rejected);
    return true;
  }

  private async insertAlone(entry: LogEntry, timeoutMs: number): Promise<unknown> {
    try {
      await withTimeout(this.store.insert([entry]), timeoutMs);
      return undefined;
    } catch (err) {
      try {
        await withTimeout(this.store.insert([withoutNul(entry)]), timeoutMs);
        return undefined;
      } catch {
        return err;
      }
    }
  }

  private async reachable(): Promise<boolean> {
    try {
      await withTimeout(this.store.ping(), this.options.writeTimeoutMs ?? 10_000);
      return true;
    } catch {
      return false;
    }
  }

  private onSuccess(written: number): void {
    if (this.degradedSince !== undefined) {
      this.log.info({ written, outageMs: Date.now() - this.degradedSince, spilled: this.spill?.count() ?? 0 }, 'log store reachable again');
    }
    this.degradedSince = undefined;
    this.backoffMs = 0;
    this.nextAttemptAt = 0;
  }

  private onFailure(err: unknown): false {
    this.counts.failures++;
    const now = Date.now();
    if (this.degradedSince === undefined) {
      this.degradedSince = now;
      this.log.warn({ err: reason(err), queued: this.queue.length }, 'log store unreachable; buffering log entries');
    }
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 100), this.options.maxBackoffMs ?? 2_000);
    this.nextAttemptAt = now + this.backoffMs;
    if (this.spill && this.queue.length > 0 && now - this.degradedSince >= (this.options.spillAfterMs ?? 10_000)) {
      const moved = this.queue.length;
      this.toSpill(this.queue);
      this.queue = [];
      this.log.warn({ moved, spilled: this.spill.count() }, 'log store still unreachable; queued entries moved to the spill file');
    }
    return false;
  }

  private toSpill(entries: LogEntry[]): void {
    if (!this.spill || this.spill.bytes() >= (this.options.maxSpillBytes ?? 1024 ** 3)) {
      this.counts.dropped += entries.length;
      return;
    }
    try {
      this.spill.append(entries);
    } catch (err) {
      this.counts.dropped += entries.length;
      this.log.error({ err: reason(err), dropped: entries.length }, 'cannot write the log spill file');
    }
  }

  /**
   * Final flush on shutdown: writes until the deadline (with a spill folder, gives up after the first failure:
   * the file is as safe as the database), then spills whatever is still queued so nothing is lost.
   */
  async close(deadlineMs = 5_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    this.stopAt = deadline;
    while (this.queue.length > 0 && Date.now() < deadline) {
      await this.flush(true);
      if (this.queue.length === 0 || (this.spill && this.degradedSince !== undefined)) break;
      await sleep(Math.min(this.backoffMs || 50, Math.max(0, deadline - Date.now())));
    }
    // Writes still pending replay from the spill file next start; nothing more is in memory after this.
    await this.flushing;
    if (this.queue.length > 0) {
      this.log.warn({ remaining: this.queue.length, spilled: Boolean(this.spill) }, 'log store unreachable at shutdown');
      this.toSpill(this.queue);
      this.queue = [];
    }
  }
}
