// The fake upstream's Responses and Messages answers, and the checks that decide whether a target answered them right.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseEvents } from '../../bench/checks.js';
import { checkMessagesStream, checkResponsesStream, MESSAGES, RESPONSES } from '../../bench/dialects.js';
import { createFakeUpstream } from '../../bench/fake-upstream.js';

const server = createFakeUpstream();
let origin = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function post(path: string, body: string): Promise<{ type: string; text: string }> {
  const res = await fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe.each([
  ['responses', RESPONSES, 'response.completed'],
  ['messages', MESSAGES, 'message_stop'],
] as const)('fake upstream speaking %s', (_name, dialect, lastEvent) => {
  it('answers JSON that passes the dialect check', async () => {
    const { type, text } = await post(dialect.path, dialect.body('m', false));
    expect(type).toContain('application/json');
    expect(dialect.checkJson(text)).toBeNull();
  });

  it('streams named events, 20 text deltas, ending with usage, that pass both stream checks', async () => {
    const { type, text } = await post(dialect.path, dialect.body('m', true));
    expect(type).toContain('text/event-stream');
    const events = sseEvents(text);
    expect(events.every((e) => e.event !== undefined)).toBe(true);
    expect(events.filter((e) => /output_text\.delta|content_block_delta/.test(e.event ?? ''))).toHaveLength(20);
    expect(events.at(-1)?.event).toBe(lastEvent);
    expect(dialect.checkStream(text)).toBeNull();
    expect(dialect.streamComplete(text)).toBe(true);
  });

  it('fails a stream cut before its last event', async () => {
    const { text } = await post(dialect.path, dialect.body('m', true));
    const cut = text.slice(0, text.lastIndexOf('event:'));
    expect(dialect.checkStream(cut)).toMatch(/last event/);
    expect(dialect.streamComplete(cut)).toBe(false);
  });
});

describe('stream checks', () => {
  it('refuse Responses events out of sequence and failed responses', async () => {
    const { text } = await post(RESPONSES.path, RESPONSES.body('m', true));
    expect(checkResponsesStream(text.replace('"sequence_number":5,', '"sequence_number":2,'))).toMatch(/sequence_number 2 after 4/);
    const failed = 'event: response.failed\ndata: {"type":"response.failed","sequence_number":99,"response":{}}\n\n';
    expect(checkResponsesStream(text + failed)).toMatch(/response.failed event/);
  });

  it('refuse an Anthropic error event and a name that disagrees with its type', async () => {
    const { text } = await post(MESSAGES.path, MESSAGES.body('m', true));
    expect(checkMessagesStream(`${text}event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n`)).toMatch(/error event/);
    expect(checkMessagesStream(text.replace('event: ping', 'event: pong'))).toMatch(/event: pong carries type ping/);
  });
});
