// Conversations that remember: /api/ask and /api/streaming with a session_id send the session's earlier turns (of
// the same key only) before the question, within SESSION_CONTEXT_TOKENS; "context": false opts out; DELETE forgets.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fitTurns } from '../../../src/http/surfaces/simple/session-context.js';
import { startFakeOpenAI, type FakeUpstream } from '../../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let fake: FakeUpstream;
let gateway: TestGateway;
const KEY_A = 'gw-session-key-a-0123456789';
const KEY_B = 'gw-session-key-b-0123456789';

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
  gateway = await startGateway({ env: { OPENAI_API_KEY: 'sk-session-test', OPENAI_BASE_URL: fake.baseUrl, GATEWAY_API_KEYS: `${KEY_A},${KEY_B}`, DEFAULT_MODEL: 'openai/gpt-4o-mini', SESSION_CONTEXT_TOKENS: '60' } });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
});

beforeEach(() => fake.reset());

const session = () => `sess-${crypto.randomUUID()}`;
const ask = (key: string, body: Record<string, unknown>, path = '/api/ask') =>
  fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sentMessages = (i: number) => (fake.requests.filter((r) => r.method === 'POST')[i]?.body as { messages: Array<{ role: string; content: string }> }).messages;

describe('session memory', () => {
  it('sends the earlier turns in order before the question, JSON and stream alike', async () => {
    const id = session();
    expect((await ask(KEY_A, { question: 'first', session_id: id })).status).toBe(200);
    await (await ask(KEY_A, { question: 'second', session_id: id }, '/api/streaming')).text();
    expect((await ask(KEY_A, { question: 'third', session_id: id })).status).toBe(200);
    const third = sentMessages(2);
    expect(third.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(third.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['first', 'second', 'third']);
    // The answers are what the upstream said (the fake answers each question with a text of its own).
    expect(third[1]?.content).toBeTruthy();
    // The log keeps the question as asked, not the context.
    const history = (await (await fetch(`${gateway.url}/api/history?session_id=${id}`, { headers: { authorization: `Bearer ${KEY_A}` } })).json()) as { items: Array<{ question: string }> };
    expect(history.items.map((i) => i.question)).toEqual(['third', 'second', 'first']);
  });

  it('keeps another key out of the session: no context from it', async () => {
    const id = session();
    await ask(KEY_A, { question: 'secret plans', session_id: id });
    await ask(KEY_B, { question: 'what did they say?', session_id: id });
    expect(sentMessages(1)).toEqual([{ role: 'user', content: 'what did they say?' }]);
  });

  it('"context": false sends the question alone, and the turn still joins the session', async () => {
    const id = session();
    await ask(KEY_A, { question: 'one', session_id: id });
    await ask(KEY_A, { question: 'two', session_id: id, context: false });
    await ask(KEY_A, { question: 'three', session_id: id });
    expect(sentMessages(1)).toEqual([{ role: 'user', content: 'two' }]);
    expect(sentMessages(2).filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['one', 'two', 'three']);
  });

  it('counts turns the log writer has not written yet, without forcing a write per question', async () => {
    const writer = gateway.services.logWriter;
    const flush = writer.flush.bind(writer);
    const forced: boolean[] = [];
    // The database sees nothing while this holds: whatever the next question remembers came from the queue.
    writer.flush = async (force = false) => void forced.push(force);
    try {
      const id = session();
      await ask(KEY_A, { question: 'queued one', session_id: id });
      await ask(KEY_A, { question: 'queued two', session_id: id });
      expect(writer.stats.queued).toBeGreaterThanOrEqual(2);
      expect(sentMessages(1).filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['queued one', 'queued two']);
      expect(forced).not.toContain(true);
    } finally {
      writer.flush = flush;
      await flush(true);
    }
  });

  it('a turn the writer has written is read back from the store', async () => {
    const id = session();
    await ask(KEY_A, { question: 'written', session_id: id });
    await gateway.services.logWriter.flush(true);
    await ask(KEY_A, { question: 'next', session_id: id });
    expect(sentMessages(1).filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['written', 'next']);
  });

  it('keeps the newest turns that fit the token budget (chars / 4)', async () => {
    const id = session();
    const long = 'x'.repeat(400); // 100 tokens: over the 60-token budget alone
    await ask(KEY_A, { question: long, session_id: id });
    await ask(KEY_A, { question: 'short', session_id: id });
    await ask(KEY_A, { question: 'now', session_id: id });
    const users = sentMessages(2).filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).toEqual(['short', 'now']);
  });

  it("DELETE /api/sessions/{id} forgets that key's turns only", async () => {
    const id = session();
    await ask(KEY_A, { question: 'a1', session_id: id });
    await ask(KEY_B, { question: 'b1', session_id: id });
    const del = await fetch(`${gateway.url}/api/sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY_A}` } });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ session_id: id, deleted: 1 });
    await ask(KEY_A, { question: 'a2', session_id: id });
    await ask(KEY_B, { question: 'b2', session_id: id });
    expect(sentMessages(2)).toEqual([{ role: 'user', content: 'a2' }]);
    expect(sentMessages(3).filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['b1', 'b2']);
    const anonymous = await fetch(`${gateway.url}/api/sessions/${id}`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
  });
});

describe('fitTurns', () => {
  it('keeps whole turns, newest first, returned oldest first', () => {
    const turns = [
      { question: 'cccc', answer: 'cccc' },
      { question: 'bbbb', answer: 'bbbb' },
      { question: 'a'.repeat(40), answer: 'a' },
    ];
    expect(fitTurns(turns, 4)).toEqual([turns[1], turns[0]]);
    expect(fitTurns(turns, 1)).toEqual([]);
  });
});
