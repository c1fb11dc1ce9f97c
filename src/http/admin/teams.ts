// /admin/teams: create, list (by cursor), show and update teams. A change is published so that every replica's
// cached keys of the team pick up its new limits.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { idParams, listQuery, pageOf, teamCreateBody, teamSchema, teamUpdateBody, teamView } from '../../keys/admin-shapes.js';
import type { KeyDirectory } from '../../keys/directory.js';
import { answers, notFound, tags } from './common.js';


export function registerTeams(admin: FastifyInstance, keys: KeyDirectory): void {
  const store = keys.store;
  admin.post('/admin/teams', { schema: { summary: 'Create a team', tags, body: teamCreateBody, response: answers(teamSchema, 201) } }, async (req, reply) => {
    const row = await store.createTeam(req.body as z.infer<typeof teamCreateBody>);
    return reply.code(201).send(teamView(row));
  });
  admin.get('/admin/teams', { schema: { summary: 'List teams (paged by cursor)', tags, querystring: listQuery, response: answers(pageOf(teamSchema)) } }, async (req) => {
    const { after, limit } = req.query as z.infer<typeof listQuery>;
    const page = await store.teams(after, limit);
    return { object: 'list', data: page.data.map(teamView), next_cursor: page.next_cursor };
  });
  admin.get('/admin/teams/:id', { schema: { summary: 'Show a team', tags, params: idParams, response: answers(teamSchema) } }, async (req) => {
    const { id } = req.params as z.infer<typeof idParams>;
    const row = await store.team(id);
    if (!row) throw notFound('team', id);
    return teamView(row);
  });
  admin.patch('/admin/teams/:id', { schema: { summary: "Update a team's name, limits or budget", tags, params: idParams, body: teamUpdateBody, response: answers(teamSchema) } }, async (req) => {
    const { id } = req.params as z.infer<typeof idParams>;
    const row = await store.updateTeam(id, req.body as z.infer<typeof teamUpdateBody>);
    if (!row) throw notFound('team', id);
    await keys.changed(id);
    return teamView(row);
  });
}
