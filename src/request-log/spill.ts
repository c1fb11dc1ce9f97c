// A local JSON-lines file holding log entries that could not wait in memory; replayed in order, then truncated.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEntry } from './store.js';

function revive(entry: LogEntry): LogEntry {
  const request = { ...entry.request, createdAt: new Date(entry.request.createdAt as unknown as string) };
  const attempts = entry.attempts.map((a) => ({ ...a, startedAt: new Date(a.startedAt as unknown as string) }));
  return { request, attempts };
}

export class SpillFile {
  private readonly path: string;
  /** Entries read from disk but not yet confirmed written (kept to avoid re-reading the file per batch). */
  private cache: LogEntry[] | undefined;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'request-log.spill.jsonl');
  }

  append(entries: LogEntry[]): void {
    if (entries.length === 0) return;
    appendFileSync(this.path, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    this.cache = undefined;
  }

  private load(): LogEntry[] {
    if (this.cache) return this.cache;
    if (!existsSync(this.path)) return (this.cache = []);
    const lines = readFileSync(this.path, 'utf8').split('\n').filter(Boolean);
    this.cache = lines.map((line) => revive(JSON.parse(line) as LogEntry));
    return this.cache;
  }

  count(): number {
    return this.load().length;
  }

  peek(n: number): LogEntry[] {
    return this.load().slice(0, n);
  }

  /** Drops the first n entries once they are safely in the database; rewrites the file atomically. */
  consume(n: number): void {
    const rest = this.load().slice(n);
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, rest.map((e) => JSON.stringify(e)).join('\n') + (rest.length ? '\n' : ''));
    renameSync(tmp, this.path);
    this.cache = rest;
  }
}
