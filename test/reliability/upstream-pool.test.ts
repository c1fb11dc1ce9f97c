// The upstream pool under load (issue 11, defect 7): more concurrent streams than the provider's pool has sockets.
// Time spent waiting for a pooled connection is not charged to the upstream's first-token budget, nothing is retried
// as a hidden duplicate, and a request that never left the gateway does not count against the breaker.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chunkBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { writeGatewayConfig } from '../routing/helpers.js';

const STREAMS = 40;
const POOL = 4;

let fake: FakeUpstream;
let gateway: TestGateway | undefined;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['m'] });
});
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  fake.reset();
});
afterAll(async () => fake?.close());

async function start(routing: Record<string, number>, breaker: Record<string, number> = {}, models: object[] = []): Promise<TestGateway> {
  const config = writeGatewayConfig({
    providers: [{ id: 'pool', type: 'openai-compatible', base_url: fake.baseUrl, models: ['m'], max_connections: POOL }],
    models,
    routing,
    breaker,
  });
  gateway = await startGateway({ env: { GATEWAY_CONFIG: config, LOG_BODIES: 'false' } });
  return gateway;
}

const posts = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chat/completions')).length;

async function stream(gw: TestGateway, text: string, model = 'pool/m'): Promise<{ status: number; body: string }> {
  const res = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: text }] }),
  });
  return { status: res.status, body: await res.text() };
}

describe(`${STREAMS} concurrent streams through a pool of ${POOL} sockets`, () => {
  it('all succeed, the upstream sees exactly one request per stream, and no circuit opens', async () => {
    // Each stream holds its socket ~300 ms; the last in the queue waits ~3 s, far past the 1 s first-token budget.
    fake.setDefault({ sse: [chunkBody({ role: 'assistant', content: '' }), chunkBody({ content: 'ok' }), chunkBody({}, { finishReason: 'stop' })], eventDelayMs: 100 });
    const gw = await start({ first_token_timeout_ms: 1_000, retries: 2, timeout_ms: 30_000 });
    const results = await Promise.all(Array.from({ length: STREAMS }, (_, i) => stream(gw, `s${i}`)));
    expect(results.map((r) => r.status)).toEqual(new Array(STREAMS).fill(200));
    for (const r of results) expect(r.body).toContain('data: [DONE]');
    expect(results.every((r) => !r.body.includes('"error"'))).toBe(true);
    expect(posts()).toBe(STREAMS);
    expect(fake.requests.filter((r) => r.aborted)).toEqual([]);
    expect(gw.services.health.deploymentsOf('pool').map((d) => d.state)).toEqual(['closed']);
  }, 60_000);
});

describe('a request that times out while waiting for a pooled connection', () => {
  it('is not counted against the deployment: the upstream never saw it', async () => {
    // POOL hanging requests (alias `hold`, 3 s total) hold every socket; one more (alias `quick`, 500 ms) waits in the
    // pool until its total timeout ends it. One counted failure would open the circuit (threshold 1).
    fake.setDefault({ fault: 'hang' });
    const gw = await start({ first_token_timeout_ms: 10_000, retries: 0 }, { failure_threshold: 1 }, [
      { name: 'hold', targets: ['pool/m'], routing: { timeout_ms: 3_000 } },
      { name: 'quick', targets: ['pool/m'], routing: { timeout_ms: 500 } },
    ]);
    const held = Array.from({ length: POOL }, (_, i) => stream(gw, `h${i}`, 'hold'));
    await fake.waitForRequests(POOL, 5_000);
    const queued = await stream(gw, 'q', 'quick');
    expect(queued.status).toBe(504);
    expect(posts()).toBe(POOL);
    expect(gw.services.health.deploymentsOf('pool').map((d) => [d.state, d.lastError])).toEqual([['closed', undefined]]);
    await Promise.all(held);
  }, 30_000);
});
