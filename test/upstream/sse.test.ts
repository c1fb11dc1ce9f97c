// The SSE decoder must give the same events whatever the chunk boundaries: every split size, CRLF, CR, comments, multi-line data.
import { describe, expect, it } from 'vitest';
import { decodeNdjson, decodeSse, type SseEvent } from '../../src/upstream/sse.js';

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const STREAM = [
  ': keep-alive comment\r\n',
  '\r\n',
  'data: {"a":1}\r\n\r\n',
  'event: message_start\n',
  'data: {"type":"message_start"}\n\n',
  'data: line one\n',
  'data: line two\n',
  'data:no-space\n\n',
  'id: 7\nretry: 100\ndata: {"emoji":"héllo 👋 世界"}\r\r',
  ':comment only\n\n',
  'data: [DONE]\n\n',
].join('');

const EXPECTED: SseEvent[] = [
  { event: undefined, data: '{"a":1}' },
  { event: 'message_start', data: '{"type":"message_start"}' },
  { event: undefined, data: 'line one\nline two\nno-space' },
  { event: undefined, data: '{"emoji":"héllo 👋 世界"}' },
  { event: undefined, data: '[DONE]' },
];

describe('decodeSse', () => {
  const bytes = new TextEncoder().encode(STREAM);

  it('decodes the reference stream in one piece', async () => {
    expect(await collect(decodeSse(pieces(bytes, bytes.length)))).toEqual(EXPECTED);
  });

  it('gives the same events for every split size, including splits inside CRLF and multi-byte characters', async () => {
    for (let size = 1; size <= bytes.length; size++) {
      const events = await collect(decodeSse(pieces(bytes, size)));
      expect(events, `split size ${size}`).toEqual(EXPECTED);
    }
  });

  it('keeps a final event that has no trailing blank line (servers that close right after it)', async () => {
    const events = await collect(decodeSse(pieces(new TextEncoder().encode('data: {"x":1}\n\ndata: {"last":true}'), 3)));
    expect(events.map((e) => e.data)).toEqual(['{"x":1}', '{"last":true}']);
  });

  it("treats Gemini's CRLF framing like LF framing", async () => {
    const gemini = 'data: {"n":1}\r\n\r\ndata: {"n":2}\r\n\r\n';
    const events = await collect(decodeSse(pieces(new TextEncoder().encode(gemini), 5)));
    expect(events.map((e) => e.data)).toEqual(['{"n":1}', '{"n":2}']);
  });
});

describe('decodeNdjson', () => {
  it('splits lines across arbitrary chunk boundaries and skips blank lines', async () => {
    const text = '{"a":1}\n\n{"b":"ü"}\n{"done":true}';
    const bytes = new TextEncoder().encode(text);
    for (let size = 1; size <= bytes.length; size++) {
      expect(await collect(decodeNdjson(pieces(bytes, size))), `split ${size}`).toEqual(['{"a":1}', '{"b":"ü"}', '{"done":true}']);
    }
  });
});
