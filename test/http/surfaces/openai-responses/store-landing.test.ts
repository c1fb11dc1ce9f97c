// Stored responses before they land: the log writer writes them in its batches, so right after a response the
// database may not hold it yet. Here the writer flushes only when told, and every read of the response (retrieve,
// input items, previous_response_id, item_reference, delete) must still see it, from this process.
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedResponses } from '../../../../src/request-log/responses-schema.js';
import { chatBodies, GATEWAY_KEY, MODEL, script, START_TIMEOUT_MS, startBridge, type Bridge } from './harness.js';

describe('stored responses not yet in the database', () => {
  let bridge: Bridge;
  let client: OpenAI;

  const inDatabase = async (id: string) =>
    (await bridge.gateway.services.logStore.database.db.select({ id: storedResponses.id }).from(storedResponses).where(eq(storedResponses.id, id))).length;

  beforeAll(async () => {
    // No timed flush and no batch ever full: nothing reaches the database until the test flushes.
    bridge = await startBridge({}, { flushIntervalMs: 3_600_000, batchSize: 100_000 });
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: bridge.gateway.baseURL, maxRetries: 0 });
  }, START_TIMEOUT_MS);
  afterAll(() => bridge.close());

  it('is read from this process: retrieve, input items, previous_response_id and item_reference', async () => {
    script(bridge.fake, { text: 'Paris.' });
    const first = await client.responses.create({ model: MODEL, input: 'Capital of France?' });
    expect(await inDatabase(first.id)).toBe(0);

    expect(await client.responses.retrieve(first.id)).toMatchObject({ id: first.id, output_text: 'Paris.' });
    const items = await client.responses.inputItems.list(first.id);
    expect(items.data).toHaveLength(1);

    script(bridge.fake, { text: 'About 2 million.' });
    const second = await client.responses.create({ model: MODEL, input: 'And its population?', previous_response_id: first.id });
    expect(chatBodies(bridge.fake).at(-1)?.messages).toEqual([
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'And its population?' },
    ]);

    script(bridge.fake, { text: 'ok' });
    await client.responses.create({ model: MODEL, input: [{ type: 'item_reference', id: (second.output[0] as { id: string }).id }, { role: 'user', content: 'Sure?' }] });
    expect(chatBodies(bridge.fake).at(-1)?.messages).toEqual([
      { role: 'assistant', content: 'About 2 million.' },
      { role: 'user', content: 'Sure?' },
    ]);
    expect(await inDatabase(second.id)).toBe(0);

    // Once written they are read from the database, unchanged.
    await bridge.gateway.flushLogs();
    expect(await inDatabase(first.id)).toBe(1);
    expect(await inDatabase(second.id)).toBe(1);
    expect(await client.responses.retrieve(second.id)).toMatchObject({ id: second.id, previous_response_id: first.id, output_text: 'About 2 million.' });
  });

  it('deleted before it lands: gone at once, and not in the database once the writer has written it', async () => {
    script(bridge.fake, { text: 'short-lived' });
    const created = await client.responses.create({ model: MODEL, input: 'x' });
    expect(await client.responses.delete(created.id)).toMatchObject({ id: created.id, deleted: true });
    await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);

    await bridge.gateway.flushLogs();
    // The delete after landing is not awaited by the writer: poll for it.
    let rows = 1;
    for (let i = 0; i < 100 && rows > 0; i++) {
      rows = await inDatabase(created.id);
      if (rows > 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(rows).toBe(0);
    await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('a store that fails a read answers 503 store_unavailable, without the SQL or the driver message', async () => {
    script(bridge.fake, { text: 'landed' });
    const created = await client.responses.create({ model: MODEL, input: 'y' });
    await bridge.gateway.flushLogs();
    const db = bridge.gateway.services.logStore.database.db as unknown as { select: unknown };
    db.select = () => {
      throw new Error(`Failed query: select "id" from "stored_responses" where "id" = '${created.id}' (connection refused)`);
    };
    try {
      const res = await fetch(`${bridge.gateway.baseURL}/responses/${created.id}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'store_unavailable', type: expect.any(String) } });
      expect(text).not.toMatch(/select|stored_responses|connection refused/);
    } finally {
      delete db.select;
    }
  });
});
