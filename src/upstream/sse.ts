// The one SSE decoder (upstream bytes → events) and NDJSON line splitter. Both accept input split at any byte.
// Follows the WHATWG event-stream rules: \r\n, \r or \n line ends; ':' comments; multi-line data joined by \n.

export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Incremental decoder: feed it text, collect whole events. Kept as a class so a stream can reuse it. */
export class SseParser {
  private buffer = '';
  private dataLines: string[] = [];
  private eventName: string | undefined;
  /** A chunk ended on '\r': a following '\n' belongs to the same line end. */
  private pendingCR = false;

  push(text: string, out: SseEvent[]): void {
    let input = text;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (input.startsWith('\n')) input = input.slice(1);
    }
    this.buffer += input;
    let start = 0;
    const buf = this.buffer;
    if (buf.indexOf('\r') === -1) {
      // Fast path (OpenAI-style \n framing): jump from newline to newline instead of testing every character.
      let newline = buf.indexOf('\n');
      while (newline !== -1) {
        this.line(buf.slice(start, newline), out);
        start = newline + 1;
        newline = buf.indexOf('\n', start);
      }
      this.buffer = buf.slice(start);
      return;
    }
    for (let i = 0; i < buf.length; i++) {
      const ch = buf.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      this.line(buf.slice(start, i), out);
      if (ch === 13) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
    }
    this.buffer = buf.slice(start);
  }

  /** End of input: a final event without its blank line still counts (some servers close right after it). */
  end(out: SseEvent[]): void {
    if (this.buffer.length > 0) this.line(this.buffer, out);
    this.buffer = '';
    this.dispatch(out);
  }

  private line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
  }

  private dispatch(out: SseEvent[]): void {
    if (this.dataLines.length > 0) {
      out.push({ event: this.eventName, data: this.dataLines.join('\n') });
    }
    this.dataLines = [];
    this.eventName = undefined;
  }
}

/** The events of each upstream read together: consumers that handle a batch at once pay one promise per read. */
export async function* decodeSseBatches(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent[]> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let events: SseEvent[] = [];
  for await (const chunk of body) {
    parser.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }), events);
    if (events.length > 0) {
      yield events;
      events = [];
    }
  }
  parser.push(decoder.decode(), events);
  parser.end(events);
  if (events.length > 0) yield events;
}

export async function* decodeSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  for await (const batch of decodeSseBatches(body)) yield* batch;
}

/** Newline-delimited JSON (Ollama native): yields each non-empty line's text. */
export async function* decodeNdjson(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield line;
      newline = buffer.indexOf('\n');
    }
  }
  const rest = (buffer + decoder.decode()).trim();
  if (rest) yield rest;
}

/** The SSE encoder: one `data:` line. Callers pass single-line payloads (JSON.stringify output, or upstream data without a newline). */
export function sseData(payload: string): string {
  return `data: ${payload}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** One named event (`event: name` then one data line); the payload must hold no line break (JSON never does). */
export function sseEvent(name: string, payload: string): string {
  return `event: ${name}\ndata: ${payload}\n\n`;
}
