// The async batched log writer: requests never wait for Postgres. Entries queue in memory (bounded), go out as
// multi-row inserts, are retried with backoff while the database is down, and overflow spills to a local file
// that is replayed once the database is back. Inserts are idempotent, so a replay never duplicates rows.
import type { Logger } from 'pino';
import { SpillFile } from './spill.js';
import type { LogEntry, LogStore } from './store.js';

export interface WriterOptions {
  batchSize?: number;
  flushIntervalMs?: number;
  /** Entries held in memory; beyond this they spill to disk (or are dropped without a spill folder). */
  maxQueue?: number;
  spillDir?: string;
  maxBackoffMs?: number;
}

export interface WriterStats {
  queued: number;
  spilled: number;
  written: number;
  dropped: number;
  failures: number;
  /** True while the last write failed: the store is unreachable. */
  degraded: boolean;
}

export class LogWriter {
  private queue: LogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private backoffMs = 0;
  private nextAttemptAt = 0;
  private closed = false;
  private readonly spill: SpillFile | undefined;
  readonly stats: WriterStats = { queued: 0, spilled: 0, written: 0, dropped: 0, failures: 0, degraded: false };

  constructor(
    private readonly store: LogStore,
    private readonly log: Logger,
    private readonly options: WriterOptions = {},
  ) {
    this.spill = options.spillDir ? new SpillFile(options.spillDir) : undefined;
    this.stats.spilled = this.spill?.count() ?? 0;
    const interval = options.flushIntervalMs ?? 100;
    this.timer = setInterval(() => void this.flush(), interval);
    this.timer.unref();
  }

  enqueue(entry: LogEntry): void {
    if (this.queue.length >= (this.options.maxQueue ?? 10_000)) {
      if (this.spill) {
        this.spill.append([entry]);
        this.stats.spilled++;
      } else {
        this.stats.dropped++;
      }
    } else {
      this.queue.push(entry);
    }
    this.stats.queued = this.queue.length;
    if (this.queue.length >= (this.options.batchSize ?? 200) && !this.flushing) void this.flush();
  }

  /** Writes what is queued (and spilled) now, unless a backoff after a failure is still running. */
  flush(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!force && Date.now() < this.nextAttemptAt) return Promise.resolve();
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    const batchSize = this.options.batchSize ?? 200;
    while (this.queue.length > 0 || (this.spill && this.stats.spilled > 0)) {
      const fromSpill = this.queue.length === 0;
      const batch = fromSpill ? (this.spill?.peek(batchSize) ?? []) : this.queue.slice(0, batchSize);
      if (batch.length === 0) {
        this.stats.spilled = 0;
        break;
      }
      try {
        await this.store.insert(batch);
      } catch (err) {
        this.onFailure(err);
        return;
      }
      if (fromSpill) {
        this.spill?.consume(batch.length);
        this.stats.spilled = this.spill?.count() ?? 0;
      } else {
        this.queue.splice(0, batch.length);
      }
      this.stats.written += batch.length;
      this.stats.queued = this.queue.length;
      if (this.stats.degraded) this.log.info({ written: batch.length }, 'log store reachable again');
      this.stats.degraded = false;
      this.backoffMs = 0;
      this.nextAttemptAt = 0;
    }
  }

  private onFailure(err: unknown): void {
    this.stats.failures++;
    if (!this.stats.degraded) this.log.warn({ err: (err as Error).message, queued: this.queue.length }, 'log store write failed; buffering');
    this.stats.degraded = true;
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 100), this.options.maxBackoffMs ?? 2_000);
    this.nextAttemptAt = Date.now() + this.backoffMs;
  }

  /** Final flush on shutdown: tries until the deadline, then spills what remains so nothing is lost. */
  async close(deadlineMs = 5_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline) {
      await this.flush(true);
      if (this.queue.length === 0 && !this.stats.degraded) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (this.queue.length > 0) {
      if (this.spill) {
        this.spill.append(this.queue);
        this.stats.spilled += this.queue.length;
      } else {
        this.stats.dropped += this.queue.length;
      }
      this.log.warn({ remaining: this.queue.length, spilled: Boolean(this.spill) }, 'log store unreachable at shutdown');
      this.queue = [];
    }
  }
}
