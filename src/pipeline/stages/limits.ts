// limits: before any upstream call, a virtual key's and its team's RPM, TPM, parallel and budget limits (reserved
// here, settled in leave with the real usage, leases freed however the exchange ended); static keys keep the
// RATE_LIMIT_RPM bucket. Runs after resolve, because a budget reservation is priced at the plan's dearest target.
import type { Deps } from '../../deps.js';
import type { Demand, Enforcer, Plan } from '../../keys/enforcer.js';
import { requestRateLimit } from '../../http/plugins/rate-limit.js';
import { maxOutputTokens } from '../../schemas/chat-request.js';
import { estimatedUsage, estimateTokens, exchangeCost } from '../../usage/bill.js';
import type { Exchange } from '../exchange.js';
import { writeRateLimitHeaders, writeRetryAfterMs } from '../headers.js';
import type { Stage } from '../stage.js';

/** Tokens the request may use at most: its input estimate plus its max_tokens (or the configured default). */
function tokenDemand(x: Exchange, defaultMaxTokens: number): { input: number; output: number } {
  const work = x.work;
  if (work.kind === 'embeddings') {
    const input = work.request.input;
    return { input: typeof input === 'string' ? estimateTokens(input) : estimateTokens(JSON.stringify(input)), output: 0 };
  }
  return { input: estimatedUsage(work.request, '').prompt_tokens, output: maxOutputTokens(work.request) ?? defaultMaxTokens };
}

function demandOf(deps: Deps, x: Exchange, budgeted: boolean): Demand {
  const { input, output } = tokenDemand(x, deps.config.state.defaultMaxTokens);
  let costUsd: number | undefined;
  // Only a budget reads the price: without one, pricing every target would be work for nothing.
  const targets = budgeted ? (x.plan?.targets ?? []) : [];
  for (const t of targets) {
    const cost = exchangeCost(deps.prices, deps.registry, t.provider, t.model, { prompt_tokens: input, completion_tokens: output });
    if (cost !== undefined && (costUsd === undefined || cost > costUsd)) costUsd = cost;
  }
  return { tokens: input + output, costUsd };
}

/** What the exchange really used: the upstream's usage, else (a stream cut before it) an estimate from its text. */
function usedBy(x: Exchange): { tokens: number; costUsd: number } {
  const o = x.outcome;
  if (!o) return { tokens: 0, costUsd: 0 };
  const u = o.usage;
  let tokens = 0;
  if (u) tokens = u.prompt_tokens + u.completion_tokens;
  else if (o.content) {
    const est = estimatedUsage(x.context.request, o.content);
    tokens = est.prompt_tokens + est.completion_tokens;
  }
  return { tokens, costUsd: o.costUsd ?? 0 };
}

async function admit(deps: Deps, enforcer: Enforcer, x: Exchange, plan: Plan): Promise<void> {
  const admission = await enforcer.admit(plan, demandOf(deps, x, plan.budgeted));
  writeRateLimitHeaders(x.reply, admission.requests, admission.tokens);
  const refusal = admission.refusal;
  if (!refusal) {
    x.admission = admission;
    return;
  }
  deps.metrics.limitRefusals.inc({ reason: refusal.reason });
  if (refusal.retryAfterMs !== undefined) writeRetryAfterMs(x.reply, refusal.retryAfterMs);
  throw refusal.error;
}

/** undefined when nothing is limited: the stage is then left out of the pipeline. */
export function limitsStage(deps: Deps): Stage | undefined {
  const staticLimit = requestRateLimit(deps.state, deps.config.rateLimitRpm);
  const enforcer = deps.enforcer;
  if (!staticLimit && !enforcer) return undefined;
  return {
    name: 'limits',
    enter(x) {
      const principal = x.principal;
      if (!principal) return staticLimit?.check(x.keyId, x.req.ip, x.reply);
      const plan = enforcer?.planOf(principal);
      if (enforcer && plan) return admit(deps, enforcer, x, plan);
    },
    leave(x) {
      if (x.admission) enforcer?.release(x.admission, usedBy(x));
    },
  };
}
