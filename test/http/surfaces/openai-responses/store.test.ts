// The response store through the openai v6 client: a stored response is retrieved, continued with
// previous_response_id (the upstream receives the rebuilt history), listed item by item, hidden from other keys,
// deleted; store:false and LOG_BODIES=false keep nothing.
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedResponses } from '../../../../src/request-log/responses-schema.js';
import { startFakeOpenAI } from '../../../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../../../helpers/gateway.js';
import { chatBodies, GATEWAY_KEY, MODEL, script, START_TIMEOUT_MS, startBridge, UPSTREAM_KEY, type Bridge } from './harness.js';

const OTHER_KEY = 'gw-responses-other-654321';

const storedRows = (gateway: TestGateway, id: string) =>
  gateway.services.logStore.database.db.select({ id: storedResponses.id }).from(storedResponses).where(eq(storedResponses.id, id));

describe('stored responses', () => {
  let bridge: Bridge;
  let client: OpenAI;
  let other: OpenAI;

  beforeAll(async () => {
    bridge = await startBridge({ GATEWAY_API_KEYS: `${GATEWAY_KEY},${OTHER_KEY}` });
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: bridge.gateway.baseURL, maxRetries: 0 });
    other = new OpenAI({ apiKey: OTHER_KEY, baseURL: bridge.gateway.baseURL, maxRetries: 0 });
  }, START_TIMEOUT_MS);
  afterAll(() => bridge.close());

  it('retrieves a response and continues it with previous_response_id, the whole history sent upstream', async () => {
    script(bridge.fake, { text: 'Paris.' });
    const first = await client.responses.create({ model: MODEL, instructions: 'Be brief.', input: 'Capital of France?' });
    const again = await client.responses.retrieve(first.id);
    expect(again).toMatchObject({ id: first.id, status: 'completed', output_text: 'Paris.' });

    script(bridge.fake, { text: 'About 2 million.' });
    const stream = await client.responses.create({ model: MODEL, input: 'And its population?', previous_response_id: first.id, stream: true });
    let completed: { id: string; previous_response_id?: string | null } | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expect(completed?.previous_response_id).toBe(first.id);
    // Instructions are not carried over (as at OpenAI): the history is the items, the new turn last.
    expect(chatBodies(bridge.fake).at(-1)?.messages).toEqual([
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'And its population?' },
    ]);

    script(bridge.fake, { text: 'Yes.' });
    await client.responses.create({ model: MODEL, input: 'Sure?', previous_response_id: completed!.id });
    expect((chatBodies(bridge.fake).at(-1)?.messages as unknown[]).length).toBe(5);
  });

  it('lists input items paged like OpenAI (limit, order, after)', async () => {
    script(bridge.fake, { text: 'ok' });
    const input = [
      { role: 'user' as const, content: 'one' },
      { role: 'assistant' as const, content: 'two' },
      { role: 'user' as const, content: 'three' },
    ];
    const created = await client.responses.create({ model: MODEL, input });
    const newest = await client.responses.inputItems.list(created.id, { limit: 2 });
    expect(newest.data.map((i) => (i as { content: Array<{ text: string }> | string }).content)).toEqual(['three', 'two']);
    expect(newest.has_more).toBe(true);
    const rest = await fetch(`${bridge.gateway.baseURL}/responses/${created.id}/input_items?order=asc&limit=2&after=${newest.data[1]!.id}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
    const page = (await rest.json()) as { data: Array<{ id: string; content: string }>; first_id: string; last_id: string; has_more: boolean };
    expect(page).toMatchObject({ data: [{ content: 'three' }], has_more: false });
    expect(page.first_id).toBe(page.last_id);
    // Ascending after the middle item is the last one again: the ids are stable across reads.
    expect(page.data[0]!.id).toBe(newest.data[0]!.id);
    expect(newest.data[0]!.id).not.toBe(newest.data[1]!.id);
  });

  it('item_reference: an output item by its id, with and without previous_response_id; unknown or foreign → 400 naming it', async () => {
    script(bridge.fake, { text: 'Lyon is second.', toolCalls: [{ id: 'call_ref1', type: 'function', function: { name: 'lookup', arguments: '{"q":"lyon"}' } }] });
    const first = await client.responses.create({ model: MODEL, input: 'Second city?' });
    const [message, call] = first.output as Array<{ id: string; type: string }>;
    expect(message?.type).toBe('message');
    expect(call?.type).toBe('function_call');

    // No previous_response_id: the ids carry their response, found in the store.
    script(bridge.fake, { text: 'ok' });
    await client.responses.create({
      model: MODEL,
      input: [{ type: 'message', role: 'user', content: 'Second city?' }, { type: 'item_reference', id: message!.id }, { type: 'item_reference', id: call!.id }, { type: 'function_call_output', call_id: 'call_ref1', output: 'pop 0.5M' }, { role: 'user', content: 'Sure?' }],
    });
    expect(chatBodies(bridge.fake).at(-1)?.messages).toEqual([
      { role: 'user', content: 'Second city?' },
      { role: 'assistant', content: 'Lyon is second.', tool_calls: [{ id: 'call_ref1', type: 'function', function: { name: 'lookup', arguments: '{"q":"lyon"}' } }] },
      { role: 'tool', tool_call_id: 'call_ref1', content: 'pop 0.5M' },
      { role: 'user', content: 'Sure?' },
    ]);

    // With previous_response_id, an input item of the chain is found too (the store kept it with an id).
    const items = await client.responses.inputItems.list(first.id);
    script(bridge.fake, { text: 'ok' });
    const second = await client.responses.create({ model: MODEL, previous_response_id: first.id, input: [{ type: 'item_reference', id: items.data[0]!.id }] });
    expect((chatBodies(bridge.fake).at(-1)?.messages as Array<{ content: unknown }>).at(-1)).toEqual({ role: 'user', content: 'Second city?' });
    // The resolved item is what the store keeps: the next turn does not meet the reference again.
    const kept = await client.responses.inputItems.list(second.id);
    expect(kept.data[0]).toMatchObject({ type: 'message', role: 'user' });

    const sent = chatBodies(bridge.fake).length;
    const unknown = await client.responses.create({ model: MODEL, input: [{ type: 'item_reference', id: `msg_${'0'.repeat(48)}` }] }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect(unknown).toMatchObject({ param: 'input[0].id', code: 'item_not_found' });
    const foreign = await other.responses.create({ model: MODEL, input: [{ role: 'user', content: 'x' }, { type: 'item_reference', id: message!.id }] }).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ status: 400, param: 'input[1].id', code: 'item_not_found' });
    const inChain = await client.responses.create({ model: MODEL, previous_response_id: first.id, input: [{ type: 'item_reference', id: 'msg_not_ours' }] }).catch((e: unknown) => e);
    expect(inChain).toMatchObject({ status: 400, param: 'input[0].id' });
    expect(chatBodies(bridge.fake).length).toBe(sent);
  });

  it('another gateway key gets 404s, and cannot continue it', async () => {
    script(bridge.fake, { text: 'mine' });
    const mine = await client.responses.create({ model: MODEL, input: 'secret' });
    await expect(other.responses.retrieve(mine.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(other.responses.delete(mine.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(other.responses.inputItems.list(mine.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const err = await other.responses.create({ model: MODEL, input: 'x', previous_response_id: mine.id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ param: 'previous_response_id', code: 'previous_response_not_found' });
    expect((await client.responses.retrieve(mine.id)).id).toBe(mine.id);
  });

  it('delete removes it, from the database too', async () => {
    script(bridge.fake, { text: 'gone soon' });
    const created = await client.responses.create({ model: MODEL, input: 'x' });
    expect(await client.responses.delete(created.id)).toMatchObject({ id: created.id, deleted: true });
    await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.responses.delete(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(await storedRows(bridge.gateway, created.id)).toHaveLength(0);
  });

  it('store:false keeps nothing', async () => {
    script(bridge.fake, { text: 'ephemeral' });
    const created = await client.responses.create({ model: MODEL, input: 'x', store: false });
    expect(created).toMatchObject({ store: false });
    await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('a stored response lands in the database without the next request waiting on it', async () => {
    script(bridge.fake, { text: 'durable' });
    const created = await client.responses.create({ model: MODEL, input: 'x' });
    // Polled, not awaited on the response path: the write starts as the answer leaves.
    let found = 0;
    for (let i = 0; i < 200 && found === 0; i++) {
      found = (await storedRows(bridge.gateway, created.id)).length;
      if (!found) await new Promise((r) => setTimeout(r, 25));
    }
    expect(found).toBe(1);
  });
});

describe('LOG_BODIES=false', () => {
  let gateway: TestGateway;
  let client: OpenAI;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const fake = await startFakeOpenAI({ models: ['gpt-4o-mini'], apiKey: UPSTREAM_KEY });
    gateway = await startGateway({ env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: fake.baseUrl, GATEWAY_API_KEYS: GATEWAY_KEY, LOG_BODIES: 'false' }, configure: (c) => void (c.providers[0]!.options = { responses: 'false' }) });
    close = async () => (await gateway.close(), await fake.close());
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: gateway.baseURL, maxRetries: 0 });
    script(fake, { text: 'not kept' });
  }, START_TIMEOUT_MS);
  afterAll(() => close());

  it('stores nothing, and previous_response_id is a 400 saying why', async () => {
    const created = await client.responses.create({ model: MODEL, input: 'x' });
    await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const err = await client.responses.create({ model: MODEL, input: 'x', previous_response_id: created.id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain('LOG_BODIES=false');
  });
});
