// limits: the caller's request rate, through the state port (asynchronous, shared across replicas with Redis).
// Token, parallel-request and budget limits (the keys issue) land here, with leases released in leave.
import type { Deps } from '../../deps.js';
import { requestRateLimit } from '../../http/plugins/rate-limit.js';
import type { Stage } from '../stage.js';

/** undefined when no limit is configured: the stage is then left out of the pipeline. */
export function limitsStage(deps: Deps): Stage | undefined {
  const limit = requestRateLimit(deps.state, deps.config.rateLimitRpm);
  if (!limit) return undefined;
  return {
    name: 'limits',
    enter: (x) => limit.check(x.keyId, x.req.ip, x.res),
  };
}
