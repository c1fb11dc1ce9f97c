// Keys never leave the gateway: not the gateway keys clients send, not the provider keys it sends upstream. An
// upstream that quotes its key back in an error, a user who pastes a key into a prompt, a model that echoes it: the
// process log (pino lines), the log rows (every column, attempts too), the client's error bodies (JSON, and the
// error event ending a failed stream) and the unauthenticated health reports hold none of them.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, redactSecretsInLogs } from '../../src/logger.js';
import { openAIErrorBody, startFakeOpenAI, type FakeUpstream as FakeOpenAI } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const GATEWAY_KEY = 'gw-secret-4f1c9a7e2b';
const PROVIDER_KEY = 'sk-provider-secret-9d8e7f6a5b4c3d2e';

describe('the logger scrubs known secret values wherever they appear', () => {
  it('in messages, nested fields, error stacks, and by header path', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', sink);
    redactSecretsInLogs(log, [GATEWAY_KEY, PROVIDER_KEY, undefined, 'short']);
    log.info(`upstream said: Incorrect API key provided: ${PROVIDER_KEY}`);
    log.child({ reqId: 'r1' }).warn({ deep: { list: [`x ${GATEWAY_KEY} y`] } }, 'nested');
    log.error({ err: new Error(`failed with ${PROVIDER_KEY}`) }, 'boom');
    log.info({ req: { headers: { authorization: 'Bearer not-a-configured-key' } } }, 'headers');
    const text = lines.join('');
    expect(lines).toHaveLength(4);
    expect(text).not.toContain(GATEWAY_KEY);
    expect(text).not.toContain(PROVIDER_KEY);
    expect(text).not.toContain('not-a-configured-key');
    expect(text.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(5);
    // Too short to scrub safely: left alone rather than mangling ordinary words.
    log.info('a short word');
    expect(lines.at(-1)).toContain('a short word');
  });
});

describe('no key in logs, log rows or error bodies', () => {
  let fake: FakeOpenAI;
  let gateway: TestGateway;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['gpt-4o-mini'], apiKey: PROVIDER_KEY });
    gateway = await startGateway({
      env: { OPENAI_API_KEY: PROVIDER_KEY, OPENAI_BASE_URL: fake.baseUrl, GATEWAY_API_KEYS: `other-key-000000,${GATEWAY_KEY}`, LOG_LEVEL: 'trace' },
      configure: (c) => {
        c.routing.retries = 0;
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  const chat = (id: string, headers: Record<string, string>, body: Record<string, unknown>) =>
    fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id, ...headers },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], ...body }),
    });

  it('holds for a pasted key, an upstream that quotes its key, and a failing stream', async () => {
    // 1. A user pastes both keys into the prompt; the upstream echoes it back as the answer.
    const pasted = await chat('sec-pasted', { authorization: `Bearer ${GATEWAY_KEY}` }, {
      messages: [{ role: 'user', content: `my keys are ${GATEWAY_KEY} and ${PROVIDER_KEY}` }],
      user: `user-${GATEWAY_KEY}`,
    });
    expect(pasted.status).toBe(200);
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);

    // 2. The upstream refuses the gateway's credentials and quotes the key in full (OpenAI masks it; not everyone does).
    fake.enqueue({ status: 401, json: openAIErrorBody(`Incorrect API key provided: ${PROVIDER_KEY}. Check it.`, 'invalid_request_error', 'invalid_api_key') });
    const refused = await chat('sec-401', { 'x-internal-auth': GATEWAY_KEY }, {});
    expect(refused.status).toBe(502);
    const refusedBody = await refused.text();
    expect(refusedBody).toContain('[REDACTED]');
    expect(refusedBody).not.toContain(PROVIDER_KEY);

    // 3. A server error quoting the key.
    fake.enqueue({ status: 500, json: openAIErrorBody(`internal error while using key ${PROVIDER_KEY}`, 'server_error') });
    const failed = await chat('sec-500', { authorization: `Bearer ${GATEWAY_KEY}` }, {});
    expect(failed.status).toBe(502);
    expect(await failed.text()).not.toContain(PROVIDER_KEY);

    // 4. A stream that fails after its first chunk with an error event quoting the key.
    const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
    fake.enqueue({
      sse: [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'partial' }, finish_reason: null }] },
        `data: ${JSON.stringify(openAIErrorBody(`stream broke for ${PROVIDER_KEY}`, 'server_error'))}\n\n`,
      ],
      done: false,
    });
    const streamed = await chat('sec-stream', { authorization: `Bearer ${GATEWAY_KEY}` }, { stream: true });
    expect(streamed.status).toBe(200);
    const streamedText = await streamed.text();
    expect(streamedText).toContain('stream broke for [REDACTED]');
    expect(streamedText).not.toContain(PROVIDER_KEY);

    // 5. A health probe fails with a message quoting the key; the health reports need no key to read.
    fake.enqueue({ status: 403, json: openAIErrorBody(`key ${PROVIDER_KEY} is suspended`, 'invalid_request_error') }, { method: 'GET' });
    await gateway.services.prober.probe('openai');
    const report = await (await fetch(`${gateway.url}/health/providers`)).text();
    expect(report).toContain('is suspended');
    expect(report).not.toContain(PROVIDER_KEY);
    expect(await (await fetch(`${gateway.url}/health/ready`)).text()).not.toContain(PROVIDER_KEY);

    await gateway.flushLogs();
    const logText = gateway.logLines.join('');
    expect(logText).not.toContain(GATEWAY_KEY);
    expect(logText).not.toContain(PROVIDER_KEY);
    // Not vacuous: the 502s were logged with the upstream's message, scrubbed.
    expect(logText).toContain('[REDACTED]');

    const rows = Object.fromEntries(
      await Promise.all(['sec-pasted', 'sec-401', 'sec-500', 'sec-stream'].map(async (id) => [id, await gateway.services.logStore.byId(id)] as const)),
    );
    for (const [id, row] of Object.entries(rows)) {
      expect(row.request, id).toBeDefined();
      const text = JSON.stringify(row);
      expect(text, id).not.toContain(GATEWAY_KEY);
      expect(text, id).not.toContain(PROVIDER_KEY);
    }
    const pastedRow = rows['sec-pasted']!.request!;
    expect(JSON.stringify(pastedRow.requestBody)).toContain(`my keys are [REDACTED] and [REDACTED]`);
    expect(pastedRow.question).toBe('my keys are [REDACTED] and [REDACTED]');
    expect(pastedRow.content).toBe('my keys are [REDACTED] and [REDACTED]');
    expect(pastedRow.userId).toBe('user-[REDACTED]');
    expect(pastedRow.keyId).toMatch(/^key_[0-9a-f]{12}$/);
    expect(rows['sec-401']!.request!.error).toContain('[REDACTED]');
    expect(rows['sec-401']!.attempts[0]?.error).toContain('[REDACTED]');
    expect(rows['sec-500']!.attempts[0]?.error).toContain('[REDACTED]');
    expect(rows['sec-stream']!.request!.error).toContain('[REDACTED]');
  });
});

describe('a key planted in every field of every upstream error shape reaches no body, row or log line', () => {
  const KEYS = { openai: 'sk-openai-canary-7a6b5c4d3e2f', ollama: 'ol-ollama-canary-1b2c3d4e5f6a', lmstudio: 'lm-lmstudio-canary-9f8e7d6c5b' };
  const MODELS = { openai: 'gpt-4o-mini', ollama: 'llama3.2:latest', lmstudio: 'gpt-4o-mini' };
  type Provider = keyof typeof KEYS;
  const fakes = {} as Record<Provider, FakeOpenAI>;
  let gateway: TestGateway;

  beforeAll(async () => {
    fakes.openai = await startFakeOpenAI({ apiKey: KEYS.openai });
    fakes.ollama = await startFakeOpenAI({ mode: 'ollama' });
    fakes.lmstudio = await startFakeOpenAI();
    gateway = await startGateway({
      env: {
        OPENAI_API_KEY: KEYS.openai,
        OPENAI_BASE_URL: fakes.openai.baseUrl,
        OLLAMA_BASE_URL: fakes.ollama.url,
        OLLAMA_API_KEY: KEYS.ollama,
        LMSTUDIO_BASE_URL: fakes.lmstudio.baseUrl,
        LMSTUDIO_API_KEY: KEYS.lmstudio,
        LOG_LEVEL: 'trace',
      },
      configure: (c) => {
        c.routing.retries = 0;
        c.fallbackEnabled = false;
      },
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(Object.values(fakes).map((f) => f?.close()));
  });

  /** Every field of OpenAI's error envelope carries the key. */
  const planted = (key: string) => ({ error: { message: `bad key ${key}`, type: `type_${key}`, param: `param_${key}`, code: `code_${key}` } });
  const post = (id: string, url: string, body: Record<string, unknown>) =>
    fetch(`${gateway.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify(body) });
  const chunk = (model: string) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { role: 'assistant', content: 'part' }, finish_reason: null }] });

  it('holds for JSON errors, errors before and inside a stream, embeddings and the simple API', async () => {
    const ids: string[] = [];
    const bodies: string[] = [];
    for (const provider of Object.keys(KEYS) as Provider[]) {
      const key = KEYS[provider];
      const fake = fakes[provider];
      const model = `${provider}/${MODELS[provider]}`;
      const messages = [{ role: 'user', content: 'hi' }];
      const shapes: Array<[string, () => void, string, Record<string, unknown>]> = [
        ['json-400', () => fake.enqueue({ status: 400, json: planted(key) }), '/v1/chat/completions', { model, messages }],
        ['json-500', () => fake.enqueue({ status: 500, json: planted(key) }), '/v1/chat/completions', { model, messages }],
        ['stream-before', () => fake.enqueue({ status: 429, json: planted(key) }), '/v1/chat/completions', { model, messages, stream: true }],
        ['stream-inside', () => fake.enqueue({ sse: [chunk(MODELS[provider]), `data: ${JSON.stringify(planted(key))}\n\n`], done: false }), '/v1/chat/completions', { model, messages, stream: true }],
        ['simple-stream', () => fake.enqueue({ sse: [chunk(MODELS[provider]), `data: ${JSON.stringify(planted(key))}\n\n`], done: false }), '/api/streaming', { model, question: 'hi' }],
        ['simple-json', () => fake.enqueue({ status: 400, json: planted(key) }), '/api/ask', { model, question: 'hi' }],
        ['embeddings', () => fake.enqueue({ status: 400, json: planted(key) }), '/v1/embeddings', { model, input: 'hi' }],
      ];
      for (const [shape, plant, url, body] of shapes) {
        const id = `sec-${provider}-${shape}-${crypto.randomUUID()}`;
        plant();
        const res = await post(id, url, body);
        const text = await res.text();
        expect(text, `${provider} ${shape}`).toContain('[REDACTED]');
        bodies.push(text);
        ids.push(id);
      }
    }
    for (const text of bodies) for (const key of Object.values(KEYS)) expect(text).not.toContain(key);

    await gateway.flushLogs();
    for (const id of ids) {
      const row = await gateway.services.logStore.byId(id);
      expect(row.request, id).toBeDefined();
      expect(row.request?.errorCode, id).toBeTruthy();
      const text = JSON.stringify(row);
      for (const key of Object.values(KEYS)) expect(text, id).not.toContain(key);
    }
    const logText = gateway.logLines.join('');
    for (const key of Object.values(KEYS)) expect(logText).not.toContain(key);
  }, 60_000);
});
