// Seeded traffic for the console tests: two teams and keys (one team and key with budgets), real requests through
// two fake upstreams (successes, a fallback, a tripped breaker, an upstream rate-limit and a quota refusal), and
// the figures the pages must show, computed here from what was sent.
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { completionBody, openAIErrorBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { writeGatewayConfig } from '../routing/helpers.js';

export const ADMIN = `admin-console-${randomUUID()}`;
/** USD per million tokens, from the config file's `prices:`. */
const PRICE = { 'primary/p-model': { input: 2, output: 4 }, 'fallback/f-model': { input: 1, output: 1 } };
const P_USAGE = { prompt_tokens: 1000, completion_tokens: 500 };
const F_USAGE = { prompt_tokens: 300, completion_tokens: 100 };
const costOf = (price: { input: number; output: number }, u: typeof P_USAGE) => (u.prompt_tokens * price.input + u.completion_tokens * price.output) / 1e6;

export interface Seeded {
  gateway: TestGateway;
  primary: FakeUpstream;
  fallback: FakeUpstream;
  team: { id: string; name: string };
  key: { id: string; key: string };
  otherTeam: { id: string; name: string };
  /** The openai client with the seeded key of `team`. */
  client: OpenAI;
  expected: {
    requests: number;
    errors: number;
    fallbacks: number;
    rateLimited: number;
    budgetRefused: number;
    promptTokens: number;
    completionTokens: number;
    costUsd: number;
    byTeam: Record<string, { requests: number; costUsd: number }>;
    /** Rows whose question contains 'alpha', rows with status 4xx, rows answered by the fallback provider. */
    alphaRows: number;
    status4xx: number;
    fallbackRows: number;
    teamBudgetUsd: number;
    keyBudgetUsd: number;
  };
  close(): Promise<void>;
}

async function adminCall<T>(gateway: TestGateway, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export async function seedConsole(): Promise<Seeded> {
  const models = ['p-model', 'q-model', 'r-model', 's-model'];
  const [primary, fallback] = await Promise.all([startFakeOpenAI({ models }), startFakeOpenAI({ models: ['f-model'] })]);
  const answer = (usage: typeof P_USAGE) => (req: { body: unknown }) => ({
    json: { ...completionBody({ content: 'seeded answer', model: (req.body as { model: string }).model }), usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } },
  });
  primary.setDefault(answer(P_USAGE));
  fallback.setDefault(answer(F_USAGE));
  const config = writeGatewayConfig({
    providers: [
      { id: 'primary', type: 'openai-compatible', base_url: primary.baseUrl, models },
      { id: 'fallback', type: 'openai-compatible', base_url: fallback.baseUrl, models: ['f-model'] },
    ],
    models: [{ name: 'smart', targets: ['primary/p-model', 'fallback/f-model'] }],
    routing: { retries: 0, timeout_ms: 5000, first_token_timeout_ms: 4000 },
    // Two failures in a row open a deployment's circuit, and it stays open for the whole test.
    breaker: { failure_threshold: 2, min_requests: 1000, cooldown_ms: 600_000 },
    prices: PRICE,
  });
  const gateway = await startGateway({ env: { GATEWAY_ADMIN_KEY: ADMIN, GATEWAY_CONFIG: config, PROBE_INTERVAL_MS: '0' } });

  const team = await adminCall<{ id: string; name: string }>(gateway, '/admin/teams', { name: 'platform', budget_usd: 1, budget_period: 'month' });
  const otherTeam = await adminCall<{ id: string; name: string }>(gateway, '/admin/teams', { name: 'research' });
  const key = await adminCall<{ id: string; key: string }>(gateway, '/admin/keys', { team_id: team.id, name: 'platform-ci', budget_usd: 0.05, budget_period: 'total' });
  const otherKey = await adminCall<{ id: string; key: string }>(gateway, '/admin/keys', { team_id: otherTeam.id, name: 'research-ci' });
  const client = new OpenAI({ apiKey: key.key, baseURL: gateway.baseURL, maxRetries: 0 });
  const other = new OpenAI({ apiKey: otherKey.key, baseURL: gateway.baseURL, maxRetries: 0 });
  const ask = (c: OpenAI, model: string, content: string, fallbackOff = false) =>
    c.chat.completions.create({ model, messages: [{ role: 'user', content }] }, fallbackOff ? { headers: { 'x-gateway-fallback': 'none' } } : {});
  const refused = async (c: OpenAI, model: string, content: string) => {
    const err = await ask(c, model, content, true).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof OpenAI.APIError)) throw new Error(`${model} should have failed`);
    return err.status;
  };

  for (let i = 1; i <= 4; i++) await ask(client, 'primary/p-model', `alpha question ${i}`);
  await ask(other, 'primary/p-model', 'beta question from research');
  // The alias's first target fails once: the fallback answers.
  primary.enqueue({ status: 500, json: openAIErrorBody('primary p-model is broken', 'api_error') });
  await ask(client, 'smart', 'fallback question');
  // Two failures in a row trip q-model's breaker; the third request is refused without reaching the upstream.
  primary.enqueue({ status: 500, json: openAIErrorBody('q-model is down', 'api_error') });
  primary.enqueue({ status: 500, json: openAIErrorBody('q-model is down', 'api_error') });
  const breakerStatuses = [await refused(client, 'primary/q-model', 'breaker 1'), await refused(client, 'primary/q-model', 'breaker 2'), await refused(client, 'primary/q-model', 'breaker 3')];
  primary.enqueue({ status: 429, json: openAIErrorBody('Rate limit reached for requests', 'requests', 'rate_limit_exceeded') });
  const limited = await refused(client, 'primary/r-model', 'rate limited question');
  primary.enqueue({ status: 429, json: openAIErrorBody('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota') });
  const quota = await refused(client, 'primary/s-model', 'quota question');
  if (breakerStatuses.join() !== '502,502,503' || limited !== 429 || quota !== 429) throw new Error(`unexpected statuses: ${breakerStatuses.join()} ${limited} ${quota}`);
  await gateway.flushLogs();

  const pCost = costOf(PRICE['primary/p-model'], P_USAGE);
  const fCost = costOf(PRICE['fallback/f-model'], F_USAGE);
  const platformCost = 4 * pCost + fCost;
  return {
    gateway,
    primary,
    fallback,
    team,
    key,
    otherTeam,
    client,
    expected: {
      requests: 11,
      errors: 5,
      fallbacks: 1,
      rateLimited: 1,
      budgetRefused: 1,
      promptTokens: 5 * P_USAGE.prompt_tokens + F_USAGE.prompt_tokens,
      completionTokens: 5 * P_USAGE.completion_tokens + F_USAGE.completion_tokens,
      costUsd: platformCost + pCost,
      byTeam: { platform: { requests: 10, costUsd: platformCost }, research: { requests: 1, costUsd: pCost } },
      alphaRows: 4,
      status4xx: 2,
      fallbackRows: 1,
      teamBudgetUsd: 1,
      keyBudgetUsd: 0.05,
    },
    async close() {
      await gateway.close();
      await Promise.all([primary.close(), fallback.close()]);
    },
  };
}
