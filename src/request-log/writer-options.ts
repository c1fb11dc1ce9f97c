// The log writer's limits, options and stats: what callers configure and read, apart from the writer's machinery.
import type { WriterEntry } from './store.js';

/**
 * With a spill folder, once the database has taken nothing for STALL_MS (down, hung, or stalled), at most this many
 * log entries are only in memory, so at most this many are lost if the process is killed then (kill -9, OOM): the
 * rest go to the spill file at once. While it keeps taking batches the queue stays in memory (at 8,000 rows/s a
 * healthy Postgres keeps it under ~700, p99 ~500, measured): spilling a row and replaying it costs several times
 * writing it, so spilling whenever a burst passes the bound made a busy writer fall behind for good (measured on a
 * loaded machine: 55,000 of 64,000 rows spilled with the database up).
 */
export const MAX_UNSAVED_ENTRIES = 1_000;
/** No write completed for this long while entries wait: the database is treated as gone for the bound above. */
export const STALL_MS = 500;
/**
 * Entries moved to the spill file at a time while stalled: one append each, not one per entry (~45 µs each). Once an
 * outage has lasted spillAfterMs, it is also the bound: a crash then loses at most this many.
 */
export const SPILL_CHUNK = 100;

/** What the writer needs from the store (the LogStore, or a fake in tests). */
export interface LogSink {
  insert(entries: WriterEntry[]): Promise<void>;
  ping(): Promise<void>;
}

export interface WriterOptions {
  batchSize?: number;
  flushIntervalMs?: number;
  /** Entries held in memory at most, stalled or not; beyond this they spill to disk (or are dropped without a spill folder). */
  maxQueue?: number;
  /** How long without a completed write counts as stalled (default STALL_MS); tests shorten it. */
  stallMs?: number;
  spillDir?: string;
  /** Spill file size beyond which new entries are dropped rather than filling the disk. */
  maxSpillBytes?: number;
  maxBackoffMs?: number;
  /**
   * Once the store has been unreachable this long (default 1 s), what is queued moves to the spill file at each failed
   * retry too: a short blip stays in memory, a lasting outage keeps little there.
   */
  spillAfterMs?: number;
  /** A write (or ping) taking longer counts as failed: a hung connection must not stall the writer. */
  writeTimeoutMs?: number;
}

export interface CloseOptions {
  /**
   * How long close() may spend writing the queue to the database (default 5 s); it returns by then, with whatever is
   * still queued in the spill file (or dropped without one).
   */
  deadlineMs?: number;
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

/** Told each batch that has left the writer's hands: in the database, or set aside as refused. Must not throw. */
export type StoredListener = (entries: readonly WriterEntry[]) => void;
