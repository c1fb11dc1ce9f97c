// The admin API under /admin/*, in its own scope behind the admin key (or a console session made with it); in open
// mode (no keys, loopback) its read endpoints answer without one; otherwise it is not registered at all (404).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { spendBy, spendQuery } from '../../keys/spend.js';
import { createAuthHook } from '../plugins/auth.js';
import type { ConsoleSessions } from '../ui/session.js';
import { adminAuthHook, consoleOpenMode, openModeHook } from './auth.js';
import { answers, tags } from './common.js';
import { registerConsoleData } from './console.js';
import { registerKeys } from './keys.js';
import { registerTeams } from './teams.js';

const spendSchema = z.object({
  object: z.literal('spend'),
  group_by: z.string(),
  data: z.array(z.object({ group: z.string().nullable(), cost_usd: z.number(), requests: z.number(), prompt_tokens: z.number(), completion_tokens: z.number() })),
});

export function registerAdmin(root: FastifyInstance, deps: Deps, sessions?: ConsoleSessions): void {
  const { adminKey } = deps.config;
  const keys = deps.keys;
  const open = consoleOpenMode(deps.config);
  if (!open && (!adminKey || !keys)) return;
  const db = deps.logStore.database.db;
  void root.register(async (admin) => {
    if (adminKey && keys) {
      admin.addHook('onRequest', adminAuthHook(adminKey, createAuthHook(deps.config.apiKeys, { directory: keys, adminKey }), sessions));
      // Keys and teams need the key directory, which exists only with an admin key: never in open mode.
      registerTeams(admin, keys);
      registerKeys(admin, keys, db);
    } else {
      admin.addHook('onRequest', openModeHook());
    }
    registerConsoleData(admin, deps);
    admin.get(
      '/admin/spend',
      { schema: { summary: 'Spend grouped by key, team, model, provider or day (from the daily rollups when from and to are absent or UTC midnights, else from the log rows)', tags, querystring: spendQuery, response: answers(spendSchema) } },
      async (req) => {
        const { group_by, from, to } = req.query as z.infer<typeof spendQuery>;
        return { object: 'spend', group_by, data: await spendBy(db, group_by, from, to) };
      },
    );
  });
}
