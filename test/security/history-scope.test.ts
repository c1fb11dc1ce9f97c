// /api/history answers each key with its own questions only, session filter included; GATEWAY_ADMIN_KEY reads all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const ALICE = 'gw-history-alice-123456';
const BOB = 'gw-history-bob-1234567';
const ADMIN = 'gw-history-admin-12345';
// Unique per run: with DATABASE_URL the log store is shared by every file of the run.
const SESSION = `shared-${crypto.randomUUID()}`;

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1', GATEWAY_API_KEYS: `${ALICE},${BOB}`, GATEWAY_ADMIN_KEY: ADMIN } });
}, 60_000);
afterAll(() => gateway?.close());

const ask = (key: string, question: string) =>
  fetch(`${gateway.url}/api/ask`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ question, session_id: SESSION }) });

async function questions(key: string, query: string): Promise<string[]> {
  const res = await fetch(`${gateway.url}/api/history?limit=500${query}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { items: Array<{ question: string; session_id: string | null }> };
  return body.items.filter((i) => i.session_id === SESSION).map((i) => i.question);
}

describe('history scoped by key', () => {
  beforeAll(async () => {
    expect((await ask(ALICE, 'alice secret question')).status).toBe(200);
    expect((await ask(BOB, 'bob secret question')).status).toBe(200);
  }, 60_000);

  it('shows each key only its own questions, with or without a session filter', async () => {
    expect(await questions(ALICE, '')).toEqual(['alice secret question']);
    expect(await questions(BOB, '')).toEqual(['bob secret question']);
    expect(await questions(ALICE, `&session_id=${SESSION}`)).toEqual(['alice secret question']);
    expect(await questions(BOB, `&session_id=${SESSION}`)).toEqual(['bob secret question']);
  });

  it('shows the admin key every key’s questions, and the admin key works as a key', async () => {
    expect(await questions(ADMIN, `&session_id=${SESSION}`)).toEqual(['bob secret question', 'alice secret question']);
    expect((await ask(ADMIN, 'admin asks')).status).toBe(200);
    expect(await questions(ALICE, '')).toEqual(['alice secret question']);
  });
});
