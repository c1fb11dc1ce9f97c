// Shared by the enforcement tests: a gateway with the admin API over a fake OpenAI, teams and keys made through
// /admin, chat calls that return status, headers and body, and a metric read from /metrics.
import { expect } from 'vitest';
import type { TestGateway } from '../helpers/gateway.js';

export const ADMIN = 'admin-key-enforcement-0123456789';

export async function admin(gateway: TestGateway, path: string, body: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, any>;
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json;
}

/** A team and one key in it, each with the limits given. */
export async function keyWith(gateway: TestGateway, key: Record<string, unknown>, team: Record<string, unknown> = {}): Promise<{ id: string; key: string; teamId: string }> {
  const t = await admin(gateway, '/admin/teams', { name: 'limited', ...team });
  const k = await admin(gateway, '/admin/keys', { team_id: t.id, name: 'k', ...key });
  return { id: k.id as string, key: k.key as string, teamId: t.id as string };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

export async function chat(gateway: TestGateway, key: string, extra: Record<string, unknown> = {}, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra }),
    ...init,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, any>) : { text } };
}

export async function metric(gateway: TestGateway, line: string): Promise<number | undefined> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

/** Waits for `check` to hold, polling; fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** TPM windows are UTC minutes: a case that must stay inside one waits out the last ten seconds of a minute. */
export async function awayFromMinuteEnd(): Promise<void> {
  const into = Date.now() % 60_000;
  if (into > 50_000) await new Promise((r) => setTimeout(r, 60_000 - into + 50));
}
