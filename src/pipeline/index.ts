// The stage order every proxied endpoint runs. A new per-request policy is a new file in stages/ and one line here;
// no surface changes. `record` enters right after the gates so that their refusals are not logged as exchanges.
import type { Deps } from '../deps.js';
import { Pipeline } from './pipeline.js';
import type { Stage } from './stage.js';
import { authorizeStage } from './stages/authorize.js';
import { limitsStage } from './stages/limits.js';
import { recordStage } from './stages/record.js';
import { resolveStage } from './stages/resolve.js';
import { routeStage } from './stages/route.js';

export function createPipeline(deps: Deps): Pipeline {
  const stages: Stage[] = [authorizeStage(deps.config.apiKeys.length > 0 || deps.keys !== undefined)];
  const limits = limitsStage(deps);
  // Off (RATE_LIMIT_RPM=0): not in the list at all, so it costs nothing.
  if (limits) stages.push(limits);
  stages.push(recordStage(deps), resolveStage(deps.resolver), routeStage(deps.router));
  return new Pipeline(deps, stages, deps.exchanges);
}

export { Exchange } from './exchange.js';
export type { Pipeline } from './pipeline.js';
