// route: runs the work against the plan through the router (retries, fallback, breakers, timeouts); a stream is
// opened up to its first event, so anything failing before then can still fall back. When the plan's first
// deployment speaks the surface's dialect natively, the deployments that do are relayed untranslated, and the
// others are the fallback, translated.
import { GatewayError } from '../../errors.js';
import type { RoutePlan } from '../../routing/resolve.js';
import type { RelaySplit, Router, RunContext } from '../../routing/router.js';
import type { Exchange } from '../exchange.js';
import { flatHeaders } from '../headers.js';
import type { Stage } from '../stage.js';

export function routeStage(router: Router): Stage {
  return {
    name: 'route',
    // Not async itself: the usual (translated) request awaits one frame less while it waits upstream.
    enter(x) {
      if (!x.plan) throw new Error('route stage ran before resolve');
      const run = { signal: x.client, attempts: x.attempts };
      const split = x.work.kind !== 'embeddings' && x.dialect ? router.relayPlan(x.dialect, x.plan) : undefined;
      if (!split) return translated(router, x, x.plan, run);
      return relayed(router, x, split, run);
    },
  };
}

async function relayed(router: Router, x: Exchange, split: RelaySplit, run: RunContext): Promise<void> {
  const startedAt = Date.now();
  try {
    x.relay = await router.passthrough(x.dialect!, x.req.body as Record<string, unknown>, flatHeaders(x.req.headers), split.native, run);
    x.target = x.relay.target;
  } catch (err) {
    const fallback = split.translated;
    if (!fallback || x.untranslatable || !(err instanceof GatewayError) || !err.tryOtherTargets || x.client.aborted) throw err;
    // The translated deployments share what is left of the request's total timeout.
    const left = Math.max(1, fallback.settings.timeout_ms - (Date.now() - startedAt));
    const last = x.attempts.at(-1);
    const failed = split.native.targets.find((t) => t.provider === last?.provider && t.model === last?.model) ?? split.native.targets[0]!;
    await translated(router, x, { ...fallback, settings: { ...fallback.settings, timeout_ms: left } }, run);
    if (x.target) router.fellBack(failed, x.target);
  }
}

async function translated(router: Router, x: Exchange, plan: RoutePlan, run: RunContext): Promise<void> {
  if (x.untranslatable) throw x.untranslatable;
  const work = x.work;
  if (work.kind === 'stream') {
    x.stream = await router.stream(work.request, plan, run);
    x.target = x.stream.target;
  } else if (work.kind === 'chat') {
    const { completion, target } = await router.chat(work.request, plan, run);
    x.completion = completion;
    x.target = target;
  } else {
    const { response, target } = await router.embeddings(work.request, plan, run);
    x.embeddings = response;
    x.target = target;
  }
}
