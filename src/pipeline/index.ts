// The stage order every proxied endpoint runs. A new per-request policy is a new file in stages/ and one line here;
// no surface changes. `record` enters right after authorize, so a refusal by limits (429, 503) is a log row (spend,
// the console and the admin API see it) while a request without a valid key is not; record's leave is the one
// place a row is written, whichever stage refused.
import type { Deps } from '../deps.js';
import { Pipeline } from './pipeline.js';
import type { Stage } from './stage.js';
import { authorizeStage } from './stages/authorize.js';
import { limitsStage } from './stages/limits.js';
import { recordStage } from './stages/record.js';
import { resolveStage } from './stages/resolve.js';
import { routeStage } from './stages/route.js';

export function createPipeline(deps: Deps): Pipeline {
  const stages: Stage[] = [authorizeStage(deps.config.apiKeys.length > 0 || deps.keys !== undefined), recordStage(deps), resolveStage(deps.resolver)];
  const limits = limitsStage(deps);
  // Off (no RATE_LIMIT_RPM, no key directory): not in the list at all, so it costs nothing.
  if (limits) stages.push(limits);
  stages.push(routeStage(deps.router));
  return new Pipeline(deps, stages);
}

export { Exchange } from './exchange.js';
export type { Pipeline } from './pipeline.js';
