// Hardening defect 8: a model name is client input that reaches upstream URL paths. `gemini/../../../__traverse`
// made the Gemini adapter POST /__traverse:generateContent with the key attached. Every provider now refuses names
// outside a safe charset with a 400 on `model` before any upstream call, and the loopback fakes below must see no
// request outside their API prefix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeGeminiUpstream, textResponse } from '../fakes/gemini-upstream.js';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { expectOpenAI } from '../helpers/openai-schema.js';

let gemini: FakeGeminiUpstream;
let ollama: FakeUpstream;
let gateway: TestGateway;
let dir: string;

beforeAll(async () => {
  [gemini, ollama] = await Promise.all([FakeGeminiUpstream.start(), startFakeOpenAI({ mode: 'ollama' })]);
  dir = mkdtempSync(join(tmpdir(), 'gw-model-names-'));
  const path = join(dir, 'gateway.json');
  // The same fake serves AI Studio paths (/v1beta/models/…) and, as `vertex-eu`, Vertex paths (/v1/projects/…).
  const vertex = { id: 'vertex-eu', type: 'gemini', base_url: `${gemini.url}/v1`, api_key: 'vertex-key', options: { project: 'p1', location: 'europe-west4' } };
  writeFileSync(path, JSON.stringify({ providers: [vertex] }));
  gateway = await startGateway({
    env: { GATEWAY_CONFIG: path, GEMINI_API_KEY: 'gemini-key', GEMINI_BASE_URL: gemini.baseUrl, OLLAMA_BASE_URL: ollama.baseUrl },
    configure: (c) => void (c.routing.retries = 0),
  });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([gemini?.close(), ollama?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  gemini.requests.length = 0;
  ollama.reset();
});

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; body: { error: { message: string; type: string; param: string | null; code: string | null } } }> {
  const res = await fetch(`${gateway.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as never };
}

const chat = (model: string, stream = false) => post('/chat/completions', { model, stream, messages: [{ role: 'user', content: 'hi' }] });

const HOSTILE = [
  '../../../__traverse',
  'models/../../../__traverse',
  '..',
  './gemini-2.5-flash',
  'a/./b',
  'tunedModels/..',
  '%2e%2e/%2e%2e/__traverse',
  '..%2F..%2F__traverse',
  'gemini-2.5-flash/',
  'a//b',
  'gemini-2.5-flash:generateContent?key=x#',
  'a\\..\\b',
  'name with spaces',
];

function expectRefused(result: Awaited<ReturnType<typeof post>>): void {
  expect(result.status).toBe(400);
  expectOpenAI('ErrorResponse', result.body);
  expect(result.body.error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'invalid_model_name' });
}

describe('model names that would leave the API prefix are refused before any upstream call', () => {
  it.each(HOSTILE)('gemini/%s (JSON and stream, AI Studio and Vertex)', async (name) => {
    for (const provider of ['gemini', 'vertex-eu']) {
      expectRefused(await chat(`${provider}/${name}`));
      expectRefused(await chat(`${provider}/${name}`, true));
    }
    expectRefused(await post('/embeddings', { model: `gemini/${name}`, input: 'x' }));
    expect(gemini.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('no request the fakes saw left their API prefix', async () => {
    for (const name of HOSTILE) await chat(`gemini/${name}`);
    await chat('gemini/gemini-2.5-flash');
    expect(gemini.requests.length).toBeGreaterThan(0);
    for (const request of gemini.requests) expect(request.path).toMatch(/^\/v1beta\/models(\/|$)/);
  });

  it.each(['../api/pull', '../../api/delete', 'llama3.2/../../x'])('ollama/%s', async (name) => {
    expectRefused(await chat(`ollama/${name}`));
    expectRefused(await chat(`ollama/${name}`, true));
    expect(ollama.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  // 10 KB rather than 1 MB: the HTTP layer's x-gateway-model header still echoes the attempted name whole.
  it('quotes at most ~200 characters of a long name', async () => {
    const result = await chat(`gemini/${'a'.repeat(10_000)}`);
    expectRefused(result);
    expect(result.body.error.message.length).toBeLessThan(400);
    expect(gemini.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });
});

describe('ordinary model names still work and are sent encoded', () => {
  it('gemini/gemini-2.5-flash goes to /v1beta/models/gemini-2.5-flash:generateContent', async () => {
    gemini.reply({ kind: 'json', body: textResponse('ok') });
    const result = await chat('gemini/gemini-2.5-flash');
    expect(result.status).toBe(200);
    expect(gemini.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent']);
  });

  it('vertex-eu/gemini-2.5-flash goes under the project and location', async () => {
    gemini.reply({ kind: 'json', body: textResponse('ok') });
    expect((await chat('vertex-eu/gemini-2.5-flash')).status).toBe(200);
    expect(gemini.requests.map((r) => r.path)).toEqual(['/v1/projects/p1/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent']);
  });

  it('names with tags, organisations and dots pass (ollama/hf.co/org/model:Q4_K_M)', async () => {
    const result = await chat('ollama/hf.co/org/Llama-3.2-1B.Instruct:Q4_K_M');
    expect(result.status).toBe(200);
    expect(ollama.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { model: string }).model)).toEqual(['hf.co/org/Llama-3.2-1B.Instruct:Q4_K_M']);
  });
});
