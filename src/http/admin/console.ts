// The console's read endpoints (overview, requests, providers, budgets), registered into the admin scope.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { registerBudgets } from './console-budgets.js';
import { registerOverview } from './console-overview.js';
import { registerProviders } from './console-providers.js';
import { registerRequests } from './console-requests.js';

export function registerConsoleData(admin: FastifyInstance, deps: Deps): void {
  const db = deps.logStore.database.db;
  registerOverview(admin, db, deps.health);
  registerRequests(admin, db);
  registerProviders(admin, deps.registry, deps.health);
  registerBudgets(admin, db);
}
