// A local JSON-lines file holding log entries the database could not take yet: appended during an outage, read back
// from a byte offset in batches once it is over (never loaded whole), truncated when fully replayed.
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStoredResponse, reviveStoredResponse, type StoredResponse } from './stored-response.js';
import type { LogEntry, LogRequest, WriterEntry } from './store.js';

const READ_CHUNK = 64 * 1024;
/** Rewrite the file without its replayed head once that head is this large and more than half the file. */
const COMPACT_BYTES = 16 * 1024 * 1024;

/** An entry as a line holds it: dates as strings, the request body and tool calls as JSON values. */
export interface SpilledEntry {
  request: Omit<LogRequest, 'requestBodyJson' | 'toolCallsJson' | 'createdAt'> & { createdAt: string; requestBody?: unknown; toolCalls?: unknown };
  attempts: Array<Omit<LogEntry['attempts'][number], 'startedAt'> & { startedAt: string }>;
}

/** A stored response's line: `{"storedResponse":{…}}` (a version before stored responses skips it as unreadable). */
type SpilledResponse = { storedResponse: Omit<StoredResponse, 'createdAt'> & { createdAt: string } };

/**
 * One line of the file. The bodies' JSON text goes in as JSON, not as an escaped string, so lines keep the shape they
 * had before bodies were kept serialised: a file spilled by either version replays in the other, and the rejected
 * file stays readable.
 */
export function toLine(entry: WriterEntry): string {
  if (isStoredResponse(entry)) return JSON.stringify(entry);
  const { requestBodyJson, toolCallsJson, ...request } = entry.request;
  const head = JSON.stringify(request);
  const bodies = `"requestBody":${requestBodyJson ?? 'null'},"toolCalls":${toolCallsJson ?? 'null'}}`;
  return `{"request":${head.length > 2 ? `${head.slice(0, -1)},` : '{'}${bodies},"attempts":${JSON.stringify(entry.attempts)}}`;
}

const jsonText = (value: unknown): string | null => (value == null ? null : ((JSON.stringify(value) as string | undefined) ?? null));

/** Back from a parsed line: Dates for the timestamp columns, JSON text for the jsonb ones. */
export function revive(entry: SpilledEntry): LogEntry {
  const { requestBody, toolCalls, ...rest } = entry.request;
  const request: LogRequest = { ...rest, createdAt: new Date(rest.createdAt), requestBodyJson: jsonText(requestBody), toolCallsJson: jsonText(toolCalls) };
  const attempts = entry.attempts.map((a) => ({ ...a, startedAt: new Date(a.startedAt) }));
  return { request, attempts };
}

export class SpillFile {
  readonly path: string;
  /** Entries appended rejected by the database itself: kept for inspection, never replayed. */
  readonly rejectedPath: string;
  private size = 0;
  /** Bytes at the head of the file already replayed into the database. */
  private offset = 0;
  private lines = 0;
  /** What the last peek() read, so consume() can step over exactly that. */
  private peeked = { lines: 0, bytes: 0 };
  /** Lines that were not valid JSON (a crash mid-append); skipped on replay. */
  corrupt = 0;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'request-log.spill.jsonl');
    this.rejectedPath = join(dir, 'request-log.rejected.jsonl');
    if (!existsSync(this.path)) return;
    this.size = statSync(this.path).size;
    const { lines, lastByte } = this.scan();
    this.lines = lines;
    // A crash mid-append leaves a line without its newline: end it, so the next append starts a clean line.
    if (this.size > 0 && lastByte !== 0x0a) {
      appendFileSync(this.path, '\n');
      this.size += 1;
      this.lines += 1;
    }
  }

  /** Entries waiting in the file. */
  count(): number {
    return this.lines;
  }

  bytes(): number {
    return this.size - this.offset;
  }

  append(entries: WriterEntry[]): void {
    if (entries.length === 0) return;
    const text = entries.map(toLine).join('\n') + '\n';
    appendFileSync(this.path, text);
    this.size += Buffer.byteLength(text);
    this.lines += entries.length;
  }

  reject(entry: WriterEntry): void {
    appendFileSync(this.rejectedPath, toLine(entry) + '\n');
  }

  /** Reads up to n entries from the head without removing them. */
  peek(n: number): WriterEntry[] {
    const entries: WriterEntry[] = [];
    let lines = 0;
    let bytes = 0;
    if (this.lines === 0) return entries;
    const fd = openSync(this.path, 'r');
    try {
      let pending = Buffer.alloc(0);
      let position = this.offset;
      while (lines < n && position < this.size) {
        const chunk = Buffer.alloc(Math.min(READ_CHUNK, this.size - position));
        const read = readSync(fd, chunk, 0, chunk.length, position);
        if (read === 0) break;
        position += read;
        pending = pending.length ? Buffer.concat([pending, chunk.subarray(0, read)]) : chunk.subarray(0, read);
        let start = 0;
        for (let nl = pending.indexOf(0x0a, start); nl !== -1 && lines < n; nl = pending.indexOf(0x0a, start)) {
          const line = pending.toString('utf8', start, nl);
          bytes += nl - start + 1;
          lines++;
          start = nl + 1;
          const entry = parseLine(line);
          if (entry) entries.push(entry);
          else if (line.trim() !== '') this.corrupt++;
        }
        pending = pending.subarray(start);
      }
    } finally {
      closeSync(fd);
    }
    // Nothing readable left although lines were counted (the file was cut short outside the gateway): start over.
    if (lines === 0) this.lines = 0;
    this.peeked = { lines, bytes };
    return entries;
  }

  /** Steps over what the last peek() returned, once it is safely in the database. */
  consume(): void {
    this.offset += this.peeked.bytes;
    this.lines -= this.peeked.lines;
    this.peeked = { lines: 0, bytes: 0 };
    if (this.offset >= this.size) {
      writeFileSync(this.path, '');
      this.offset = 0;
      this.size = 0;
      this.lines = 0;
    } else if (this.offset >= COMPACT_BYTES && this.offset * 2 > this.size) {
      this.compact();
    }
  }

  /** Copies the unreplayed tail to a new file, chunk by chunk, and swaps it in atomically. */
  private compact(): void {
    const tmp = `${this.path}.tmp`;
    const src = openSync(this.path, 'r');
    try {
      writeFileSync(tmp, '');
      const chunk = Buffer.alloc(READ_CHUNK);
      for (let position = this.offset; position < this.size; ) {
        const read = readSync(src, chunk, 0, chunk.length, position);
        if (read === 0) break;
        appendFileSync(tmp, chunk.subarray(0, read));
        position += read;
      }
    } finally {
      closeSync(src);
    }
    renameSync(tmp, this.path);
    this.size -= this.offset;
    this.offset = 0;
  }

  private scan(): { lines: number; lastByte: number } {
    const fd = openSync(this.path, 'r');
    let lines = 0;
    let lastByte = 0x0a;
    try {
      const chunk = Buffer.alloc(READ_CHUNK);
      for (let position = 0; position < this.size; ) {
        const read = readSync(fd, chunk, 0, chunk.length, position);
        if (read === 0) break;
        for (let i = chunk.indexOf(0x0a); i !== -1 && i < read; i = chunk.indexOf(0x0a, i + 1)) lines++;
        lastByte = chunk[read - 1] ?? 0x0a;
        position += read;
      }
    } finally {
      closeSync(fd);
    }
    return { lines, lastByte };
  }
}

function parseLine(line: string): WriterEntry | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as SpilledEntry | SpilledResponse;
    if (value && typeof value === 'object' && 'storedResponse' in value) return value.storedResponse?.id ? reviveStoredResponse(value.storedResponse) : undefined;
    if (!value || typeof value !== 'object' || !value.request || !Array.isArray(value.attempts)) return undefined;
    return revive(value);
  } catch {
    return undefined;
  }
}
