// /admin/keys: create (the key is in this one answer only), list (by cursor, optionally one team's), show, update,
// revoke, and one key's usage. Every change is published so every replica stops honouring the old state at once.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createdKeySchema, idParams, keyCreateBody, keySchema, keyUpdateBody, keyView, listQuery, pageOf } from '../../keys/admin-shapes.js';
import type { KeyDirectory } from '../../keys/directory.js';
import { keyUsage, windowQuery } from '../../keys/spend.js';
import type { LogDb } from '../../request-log/db.js';
import { answers, notFound, tags } from './common.js';

const usageQuery = z.object(windowQuery);
const usageSchema = z.object({ object: z.literal('key_usage'), key_id: z.string(), cost_usd: z.number(), requests: z.number(), prompt_tokens: z.number(), completion_tokens: z.number() });

export function registerKeys(admin: FastifyInstance, keys: KeyDirectory, db: LogDb): void {
  const store = keys.store;
  const existing = async (id: string) => {
    const row = await store.key(id);
    if (!row) throw notFound('key', id);
    return row;
  };
  admin.post('/admin/keys', { schema: { summary: 'Create a virtual key (shown once)', tags, body: keyCreateBody, response: answers(createdKeySchema, 201) } }, async (req, reply) => {
    const body = req.body as z.infer<typeof keyCreateBody>;
    if (!(await store.team(body.team_id))) throw notFound('team', body.team_id, 'team_id');
    const { row, key } = await store.createKey(body.team_id, body);
    return reply.code(201).send({ ...keyView(row), key });
  });
  admin.get('/admin/keys', { schema: { summary: 'List virtual keys (paged by cursor)', tags, querystring: listQuery, response: answers(pageOf(keySchema)) } }, async (req) => {
    const { after, limit, team_id } = req.query as z.infer<typeof listQuery>;
    const page = await store.keys(after, limit, team_id);
    return { object: 'list', data: page.data.map(keyView), next_cursor: page.next_cursor };
  });
  admin.get('/admin/keys/:id', { schema: { summary: 'Show a virtual key', tags, params: idParams, response: answers(keySchema) } }, async (req) => {
    return keyView(await existing((req.params as z.infer<typeof idParams>).id));
  });
  admin.patch('/admin/keys/:id', { schema: { summary: "Update a key's name, expiry, limits or budget", tags, params: idParams, body: keyUpdateBody, response: answers(keySchema) } }, async (req) => {
    const { id } = req.params as z.infer<typeof idParams>;
    const row = await store.updateKey(id, req.body as z.infer<typeof keyUpdateBody>);
    if (!row) throw notFound('key', id);
    await keys.changed(id);
    return keyView(row);
  });
  admin.post('/admin/keys/:id/revoke', { schema: { summary: 'Revoke a virtual key (every replica refuses it within a second)', tags, params: idParams, response: answers(keySchema) } }, async (req) => {
    const { id } = req.params as z.infer<typeof idParams>;
    const row = await store.revokeKey(id);
    if (!row) throw notFound('key', id);
    await keys.changed(id);
    return keyView(row);
  });
  admin.get('/admin/keys/:id/usage', { schema: { summary: "A key's spend and tokens (from the daily rollups when from and to are absent or UTC midnights)", tags, params: idParams, querystring: usageQuery, response: answers(usageSchema) } }, async (req) => {
    const { id } = req.params as z.infer<typeof idParams>;
    await existing(id);
    const { from, to } = req.query as z.infer<typeof usageQuery>;
    return { object: 'key_usage', key_id: id, ...(await keyUsage(db, id, from, to)) };
  });
}
